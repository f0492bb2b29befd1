"""The one rerun rule: a step skips only when its output was made from what it would be made from now.

`made_from` is a JSON-able record of what shapes an output: the fingerprints of the files it is
made from (`fingerprint`) and the flags that change it. Two kinds of output:
- a file X (a checkpoint, the cluster file, ood_list.txt, an evaluation JSON): its record is the
  sidecar X.made_from.json, written after X, so a kill between the two leaves X unrecorded and
  remade. `skip_file` says whether a step may keep X.
- a folder of per-image files (CAMs, IR labels, masks): <folder>/made_from.json is written before
  the images; a rerun with the same record resumes (keeps finished images), another record
  deletes the folder's images first (`must_remake`), so no stale image survives.
A consumer records an input by `fingerprint`: the content checksum the producer recorded (for a
checkpoint, of its weights), or the file's own checksum (a file a user gave), or the folder's
record, so a remade input changes every record after it and the later steps remake too.
"""
import hashlib
import json
import logging
import os

from misc import io_utils
from misc.chain.errors import WontOverwrite

log = logging.getLogger(__name__)
STAMP = "made_from.json"
SIDECAR_SUFFIX = ".made_from.json"
SKIPPED = "skipped"  # what a step's run() returns when it did no work
UNTIMED = "untimed"  # did work whose time is not recorded (the report: its own time cannot be in it)


def as_stored(made_from):
    """A record as it reads back from JSON (tuples become lists), so records compare."""
    return json.loads(json.dumps(made_from))


def file_sha1(path, algorithm="sha1"):
    """The file's checksum (sha1; `algorithm` any of hashlib's), read in 1 MB blocks."""
    digest = hashlib.new(algorithm)
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def sidecar(path):
    return path + SIDECAR_SUFFIX


def read_stamp(folder):
    """The made-from record a per-image folder carries (its made_from.json), or None."""
    return _read_json(os.path.join(folder, STAMP))


def _read_json(path):
    if not os.path.isfile(path):
        return None
    try:
        with open(path) as f:
            return json.load(f)
    except (ValueError, OSError):
        log.warning("unreadable record %s: treated as missing", path)
        return None


def _sidecar_if_unchanged(path):
    """The sidecar of `path` if the file is still the one it recorded: same size and mtime, or
    (copied, restored, touched) the same bytes."""
    record = _read_json(sidecar(path))
    if record is None or not os.path.isfile(path):
        return None
    stat = os.stat(path)
    if record.get("size") != stat.st_size:
        return None
    if record.get("mtime_ns") != stat.st_mtime_ns and record.get("file_sha1") != file_sha1(path):
        return None
    return record


def listing_fingerprint(folder):
    """Checksum of a folder's file names, sizes and mtimes (not their bytes: cheap for a data set
    of many thousand images), for folders no step of ours stamped."""
    digest = hashlib.sha1(os.path.abspath(folder).encode())
    for root, dirs, names in sorted(os.walk(folder)):
        dirs.sort()
        for name in sorted(names):
            stat = os.stat(os.path.join(root, name))
            digest.update(f"{os.path.relpath(os.path.join(root, name), folder)}:{stat.st_size}:{stat.st_mtime_ns};"
                          .encode())
    return digest.hexdigest()


def fingerprint(path):
    """What a consumer records of an input: "" if missing; a folder's made_from record checksum
    (its paths aside; unstamped, its listing); a recorded file's content checksum; otherwise its own checksum."""
    if os.path.isdir(path):
        stamp = _read_json(os.path.join(path, STAMP))
        if stamp is None:
            return listing_fingerprint(path)
        # the record as save_json writes it, without the input paths: how a user spells a path does
        # not remake what follows, and a record of an earlier version keeps its checksum
        return hashlib.sha1((json.dumps({k: v for k, v in stamp.items() if k != "_paths"}, indent=2) + "\n")
                            .encode()).hexdigest()
    if not os.path.isfile(path):
        return ""
    record = _sidecar_if_unchanged(path)
    return record["content"] if record else file_sha1(path)


def record(path, made_from, content=None):
    """Record what the file `path` (just written) was made from; `content` defaults to its checksum."""
    stat, sha1 = os.stat(path), file_sha1(path)
    io_utils.save_json(sidecar(path), {"made_from": as_stored(made_from), "content": content or sha1,
                                       "file_sha1": sha1, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns})


def why_not_current(path, made_from):
    """None when `path` exists and was made from `made_from`; otherwise the reason, for the log."""
    if not os.path.exists(path):
        return "not made yet"
    saved = _sidecar_if_unchanged(path)
    if saved is None:
        return "no record of what it was made from (or changed since)"
    return changed(saved["made_from"], made_from)


def changed(old, new):
    """None if the records are equal, else 'made from other <keys>'. Keys starting with '_' are
    bookkeeping (a folder's generation), not inputs."""
    old = {k: v for k, v in as_stored(old).items() if not k.startswith("_")}
    new = {k: v for k, v in as_stored(new).items() if not k.startswith("_")}
    if old == new:
        return None
    keys = sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))
    return "made from other " + ", ".join(keys)


def skip_file(path, made_from, overwrite, what):
    """True (and a log line) when `path` may be kept; otherwise logs why it is (re)made."""
    if overwrite:
        log.info("%s: --overwrite, remaking %s", what, path)
        return False
    reason = why_not_current(path, made_from)
    if reason is None:
        log.info("%s is current, skipping: %s", what, path)
        return True
    log.info("%s: %s (%s), making it", what, path, reason)
    return False


def must_remake(out_dir, made_from, overwrite, extension):
    """The folder rule. True when every image must be (re)made: --overwrite, or the folder was made
    from other settings, whose `*<extension>` files are then deleted first (so a killed remake
    cannot leave stale files behind that a later resume would keep). Records `made_from` with a
    generation count that goes up on every full remake, so the folder's fingerprint changes and
    the steps after it remake too (also after an --overwrite with unchanged settings). A non-empty
    folder that no step of ours stamped is not ours: refused, never written into."""
    path = os.path.join(out_dir, STAMP)
    if os.path.isdir(out_dir) and not os.path.isfile(path) and any(
            f.endswith(extension) for f in os.listdir(out_dir)):
        raise WontOverwrite(f"{out_dir} holds {extension} files that this project did not make (no {STAMP}): "
                            f"it will not write into it; give an empty or new folder, or switch this step off "
                            f"to use those files as they are")
    os.makedirs(out_dir, exist_ok=True)
    io_utils.remove_leftovers(out_dir)
    old = _read_json(path)
    reason = changed(old, made_from) if old is not None else None
    remake = overwrite or reason is not None or old is None
    if old is not None and remake:
        stale = [f for f in os.listdir(out_dir) if f.endswith(extension)]
        log.warning("%s: %s: deleting its %d %s files and remaking them", out_dir,
                    reason or "--overwrite", len(stale), extension)
        for name in stale:
            os.remove(os.path.join(out_dir, name))
    generation = (old or {}).get("_generation", 0) + (1 if remake and old is not None else 0)
    io_utils.save_json(path, {**as_stored(made_from), "_generation": generation})
    return overwrite or reason is not None


def ids_to_make(out_dir, ids, made_from, overwrite, extension):
    """The per-image rule of steps 5, 7 and 9: the ids whose `<id><extension>` a step still has to
    write: all of them when the folder must be remade (must_remake, decided and done by rank 0
    alone under torchrun), else those without a file (a killed run resumes). Every rank has the
    same list before any rank writes, so the ranks' shares (distributed.shard) partition it. A
    file is finished only when it is whole (io_utils.looks_whole): a damaged one is made again."""
    from misc.chain import distributed

    remake = distributed.on_main(lambda: must_remake(out_dir, made_from, overwrite, extension))
    if remake:
        todo = list(ids)
    else:
        present = [i for i in ids if os.path.isfile(os.path.join(out_dir, i + extension))]
        damaged = [i for i in present if not io_utils.looks_whole(os.path.join(out_dir, i + extension))]
        if damaged and distributed.is_main():
            log.warning("%s: %d %s files are damaged (cut short: %s...): remaking them", out_dir, len(damaged),
                        extension, damaged[:3])
        finished = set(present) - set(damaged)
        todo = [i for i in ids if i not in finished]
    distributed.barrier()
    return todo


def folder_is_complete(out_dir, made_from, names):
    """A folder holds every name and was made from `made_from` (nothing to do)."""
    old = _read_json(os.path.join(out_dir, STAMP))
    return old is not None and changed(old, made_from) is None and all(
        os.path.isfile(os.path.join(out_dir, n)) for n in names)


def is_ours(path):
    """A file or folder a step of this project wrote (it carries our record)."""
    return os.path.isfile(os.path.join(path, STAMP)) if os.path.isdir(path) else os.path.isfile(sidecar(path))


def refuse_foreign(args, flag, path, hint):
    """An output path the user gave (--<flag>) that holds something this project did not write
    is the user's: an error, never replaced."""
    if flag in getattr(args, "given_paths", ()) and os.path.exists(path) and not is_ours(path):
        raise WontOverwrite(f"--{flag} {path} exists and was not written by this project (no made-from record): "
                            f"it will not be replaced; {hint}")


def record_folder(out_dir, made_from):
    """Record a folder whose files were all just written (written last: a kill leaves it
    unrecorded); its generation goes up, so the steps after it see a remade folder."""
    old = _read_json(os.path.join(out_dir, STAMP)) or {}
    io_utils.save_json(os.path.join(out_dir, STAMP),
                       {**as_stored(made_from), "_generation": old.get("_generation", 0) + 1})


def ids_fingerprint(ids):
    """The checksum of an ordered id list (which images a step worked on)."""
    return hashlib.sha1("\n".join(ids).encode()).hexdigest()


def fingerprints(paths):
    """{name: fingerprint(path)} for a step's made_from record, and the paths themselves under
    "_paths" (bookkeeping, not compared), so `stale_reason` can later follow them."""
    return {**{name: fingerprint(path) for name, path in paths.items()},
            "_paths": {name: path for name, path in paths.items()}}


def _record_of(path):
    """The made-from record of a file (its sidecar) or of a folder (its made_from.json), or None."""
    if os.path.isdir(path):
        return _read_json(os.path.join(path, STAMP))
    saved = _read_json(sidecar(path))
    return saved.get("made_from") if saved else None


def stale_reason(path, _seen=None):
    """None when every input `path` was made from is still what it was (following the recorded
    paths back through the inputs' own records); otherwise which input changed, for a reader.
    Flags are not compared (only the step that makes an output knows which shape it); an output
    recorded without paths (older runs) counts as current. `_seen` caches reasons and
    fingerprints over several calls."""
    seen = {} if _seen is None else _seen
    if path in seen:
        return seen[path]
    seen[path] = None
    record = _record_of(path) or {}
    for name, input_path in sorted((record.get("_paths") or {}).items()):
        if not os.path.exists(input_path):
            seen[path] = f"{input_path} is gone"
            break
        key = ("fingerprint", input_path)
        if key not in seen:
            seen[key] = fingerprint(input_path)
        if seen[key] != record.get(name):
            seen[path] = f"{input_path} was remade after it"
            break
        deeper = stale_reason(input_path, seen) if is_ours(input_path) else None
        if deeper:
            seen[path] = deeper
            break
    return seen[path]
