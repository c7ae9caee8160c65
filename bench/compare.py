"""The timing part of bench/compare.sh; run with the venv's python, not on its own.

  compare.py run ENGINE N RUNS   one engine (pg | sqlite) and size, results appended to
                                 $OUT/results.jsonl
  compare.py report              $OUT/results.md (medians, ratios, peak memory) and
                                 $OUT/performance.png

Environment (set by compare.sh): SCHEMADIFF (binary), GEN (gen_schema example), OUT,
PG_SERVER (postgresql://user@host:port), VENV, VENV_MIGRA, NO_CACHE (where the binary
puts --no-cache: "sub", "global" or empty when it has none).
"""
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SD = os.environ.get("SCHEMADIFF", "")
# A second build to time against the first in the same rounds (A/B): each schemadiff
# measurement runs with both binaries, in alternating order, and the report adds B / A.
SD_B = os.environ.get("SCHEMADIFF_B", "")
GEN = os.environ.get("GEN", "")
OUT = Path(os.environ.get("OUT", "bench/out/compare")).resolve()
PG = os.environ.get("PG_SERVER", "postgresql://postgres@127.0.0.1:5432")
VENV = os.environ.get("VENV", "")
VENV_MIGRA = os.environ.get("VENV_MIGRA", "")
NO_CACHE = os.environ.get("NO_CACHE", "")
EDIT_SEED = int(os.environ.get("EDIT_SEED", "18"))  # seed of the random edits (sd_generate_rand*)
ONLY = {t for t in os.environ.get("ONLY", "").split(",") if t}  # measurements to run; empty: all


def want(tool):
    return not ONLY or tool.replace("_nocache", "").replace("_cache", "") in ONLY
HERE = Path(__file__).resolve().parent
PREFIX = "schemadiff_bench_cmp_"

created = []  # PostgreSQL databases this process created


def psql(sql, db="postgres"):
    subprocess.run(
        ["psql", f"{PG}/{db}", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c", sql],
        check=True, stdout=subprocess.DEVNULL, env=dict(os.environ, PGOPTIONS="-c client_min_messages=warning"),
    )


def create_db(name, template="template0"):
    assert name.startswith(PREFIX)
    psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    psql(f"CREATE DATABASE {name} TEMPLATE {template}")
    created.append(name)
    with open(OUT / "created_dbs", "a") as f:  # compare.sh's trap drops these too
        f.write(name + "\n")


def drop_created():
    while created:
        name = created.pop()
        try:
            psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        except Exception as e:  # keep dropping the others
            print(f"warning: could not drop {name}: {e}", file=sys.stderr)


def on_signal(signum, frame):
    drop_created()
    sys.exit(128 + signum)


def loadavg():
    return open("/proc/loadavg").read().split()[0]


def steal():
    """(steal, total) jiffies from /proc/stat, for the share of CPU the host took."""
    f = open("/proc/stat").readline().split()[1:]
    v = [int(x) for x in f]
    return v[7], sum(v)


def mirror(src, dst):
    """Makes the tree `dst` hold exactly the files of `src`, writing only the files whose
    bytes differ and removing the others. A reset by removing and copying the whole tree
    (2,000 snapshot files a round) slows every file the next timed run creates: this
    machine's ext4 has no journal, and without one the inode allocator skips the inodes
    freed in the last minute, reading their inode blocks to find that out. Measured here:
    PostgreSQL's CREATE DATABASE (about 300 files) took 350-445 ms after such resets and
    33-45 ms after a minute without them."""
    src, dst = Path(src), Path(dst)
    dst.mkdir(parents=True, exist_ok=True)
    wanted = set()
    for f in sorted(src.rglob("*")):
        rel = f.relative_to(src)
        wanted.add(rel)
        target = dst / rel
        if f.is_dir():
            target.mkdir(exist_ok=True)
        elif not target.is_file() or target.read_bytes() != f.read_bytes():
            shutil.copy2(f, target)
    for f in sorted(dst.rglob("*"), reverse=True):
        if f.relative_to(dst) not in wanted:
            if f.is_dir() and not f.is_symlink():
                shutil.rmtree(f)
            elif f.exists() or f.is_symlink():
                f.unlink()


def timed(cmd, cwd=None, env=None, ok=(0,), capture=False):
    """Runs cmd under GNU time; returns (seconds, peak RSS in KiB, stdout).

    Every measurement starts from a clean server: an untimed CHECKPOINT first, so that no
    tool pays for writes an earlier one left behind (DROP DATABASE forces a checkpoint on
    PostgreSQL 15, which then flushes whatever the previous run, the psql reference load
    or the setup dirtied: 1-18 s at 2,000 tables, the widest spread of the cold diff). A
    SQLite-only run without a server skips it.

    Then an untimed sync(2), for the file system what the checkpoint is for the server:
    this machine's ext4 has no journal, and its inode allocator skips the inodes freed in
    the last 60 s, or in the last 360 s while their inode table block is not written back
    (see mirror()). The sync shortens the second window only: measured, the 5 % edit's
    `generate` at 2,000 tables still takes 0.95-1.37 s in the rounds against 0.69-0.86 s
    by hand, because the runs before it in the round (a cold diff, the 1-table edit, whose
    scratch databases are dropped) freed their files less than a minute before."""
    try:
        psql("CHECKPOINT")
    except (OSError, subprocess.CalledProcessError):
        pass
    os.sync()
    with tempfile.NamedTemporaryFile("r", suffix=".time") as tf:
        full = ["/usr/bin/time", "-f", "%M", "-o", tf.name] + cmd
        t0 = time.perf_counter()
        p = subprocess.run(full, cwd=cwd, env=env, stdout=subprocess.PIPE if capture else subprocess.DEVNULL,
                           stderr=subprocess.PIPE)
        seconds = time.perf_counter() - t0
        if p.returncode not in ok:
            raise RuntimeError(f"{' '.join(cmd)} exited {p.returncode}: {p.stderr.decode()[-2000:]}")
        lines = [l for l in tf.read().splitlines() if l.strip()]
        rss = int(lines[-1]) if lines else 0
    return seconds, rss, (p.stdout.decode() if capture else "")


def psql_load(n, schema):
    """The server's own work, as reference: `psql -f schema.sql` (the declared file itself,
    autocommit) into an empty database, with synchronous_commit=off. Creating and dropping
    that database are not timed."""
    name = f"{PREFIX}psqlref_{n}"
    create_db(name)
    try:
        env = dict(os.environ, PGOPTIONS="-c synchronous_commit=off -c client_min_messages=warning")
        sec, rss, _ = timed(["psql", f"{PG}/{name}", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-f", str(schema)], env=env)
    finally:
        psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        if name in created:
            created.remove(name)
    return sec, rss


def record(rec):
    with open(OUT / "results.jsonl", "a") as f:
        f.write(json.dumps(rec) + "\n")


def one_table_edit(text):
    """schema.sql with one column added to its 100th table (or its last, when smaller)."""
    lines = text.split("\n")
    starts = [i for i, l in enumerate(lines) if l.startswith("CREATE TABLE ")]
    at = starts[min(99, len(starts) - 1)]
    lines.insert(at + 1, "  bench_extra_col text,")
    return "\n".join(lines)


def edit_files(d, schema, changed):
    """The two edited schemas `generate` is timed after: (one-table edit, 5 % edit).

    Hook for the seeded random edit generator (issue 18, item 2): when gen_schema writes
    `edit1.sql` (one table edited) and `edit5.sql` (5 % of the tables edited, shapes drawn
    at random from its list, seeded) next to schema.sql, those are used. Until then: one
    column added to the 100th table (`one_table_edit`) and changed.sql (the generator's
    deterministic 5 % edit plus 1 % of the tables replaced)."""
    one, five = d / "edit1.sql", d / "edit5.sql"
    if not one.exists():
        one = d / "one_edit.sql"
        one.write_text(one_table_edit(schema.read_text()))
    if not five.exists():
        five = changed
    return one, five


def run(engine, n, runs):
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        run_inner(engine, n, runs)
    finally:
        drop_created()


def run_inner(engine, n, runs):
    d = OUT / f"{engine}_{n}"
    if d.exists():
        shutil.rmtree(d)
    d.mkdir(parents=True)
    dialect = "postgres" if engine == "pg" else "sqlite"
    edits = subprocess.run([GEN, dialect, str(n), str(d)], check=True, capture_output=True, text=True).stdout.strip()
    print(f"[{engine} {n}] {edits}", flush=True)
    schema, changed = d / "schema.sql", d / "changed.sql"
    env = dict(os.environ)
    env.pop("DATABASE_URL", None)
    cache_dir = d / "cache"
    env["SCHEMADIFF_CACHE_DIR"] = str(cache_dir)

    # The databases: live (schema.sql), target (changed.sql), check (a copy of live, stamped).
    t0 = time.perf_counter()
    if engine == "pg":
        urls = {}
        for role, load in [("live", "schema.load.sql"), ("target", "changed.load.sql")]:
            name = f"{PREFIX}{role}_{n}"
            create_db(name)
            subprocess.run(["psql", f"{PG}/{name}", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-f", str(d / load)],
                           check=True, stdout=subprocess.DEVNULL)
            psql("ANALYZE", name)
            urls[role] = f"{PG}/{name}"
        create_db(f"{PREFIX}check_{n}", template=f"{PREFIX}live_{n}")
        urls["check"] = f"{PG}/{PREFIX}check_{n}"
        dev = ["--dialect", "postgres", "--dev-url", f"{PG}/postgres"]
    else:
        urls = {}
        for role, load in [("live", "schema.load.sql"), ("target", "changed.load.sql")]:
            db = d / f"{role}.db"
            with open(d / load) as f:
                subprocess.run(["sqlite3", "-bail", str(db)], stdin=f, check=True, stdout=subprocess.DEVNULL)
            urls[role] = f"sqlite:///{db}"  # db is absolute: sqlite:////abs/path
        shutil.copy(d / "live.db", d / "check.db")
        urls["check"] = f"sqlite:///{d / 'check.db'}"
        dev = ["--dialect", "sqlite"]
    load_s = time.perf_counter() - t0
    print(f"[{engine} {n}] databases loaded in {load_s:.1f} s", flush=True)

    # Alembic's models: changed.sql reflected from the target database (untimed).
    pickle_path = d / "target_metadata.pickle"
    if want("alembic_check"):
        subprocess.run([f"{VENV}/bin/python", str(HERE / "alembic_compare.py"), "prepare", urls["target"], str(pickle_path)],
                       check=True, stdout=subprocess.DEVNULL)

    # The projects: one revision from schema.sql (untimed), kept pristine.
    pristine = d / "project"
    penv = dict(env, DATABASE_URL=urls["check"])
    checkproj = d / "check_project"
    if any(want(t) for t in ["sd_generate", "sd_check", "sd_generate_edit", "sd_check_cold", "sd_check_behind"]):
        subprocess.run([SD, "init", str(pristine), "--dialect", dialect], check=True, env=env,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # One revision per 500 tables (history_*.sql), then the rest: PostgreSQL cannot replay
        # a revision of 2,000 tables in one transaction (out of shared memory).
        for step in sorted(d.glob("history_*.sql")) + [schema]:
            shutil.copy(step, pristine / "schemas" / "schema.sql")
            subprocess.run([SD, "generate", "-m", step.stem], cwd=pristine, check=True, env=penv,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.copytree(pristine, checkproj)
        subprocess.run([SD, "stamp", "head"], cwd=checkproj, check=True, env=penv, stdout=subprocess.DEVNULL)
    work = d / "work"

    # One revision behind: a project with one more revision (the one-table edit) on top of
    # the check project's head, and a database at that head (a copy of live, or of the
    # check file), stamped there: `check` reports the pending revision.
    behindproj = d / "behind_project"
    behind_env = None
    if want("sd_check_behind"):
        if engine == "pg":
            create_db(f"{PREFIX}behind_{n}", template=f"{PREFIX}live_{n}")
            behind_url = f"{PG}/{PREFIX}behind_{n}"
        else:
            shutil.copy(d / "live.db", d / "behind.db")
            behind_url = f"sqlite:///{d / 'behind.db'}"
        behind_env = dict(env, DATABASE_URL=behind_url)
        shutil.copytree(pristine, behindproj)
        subprocess.run([SD, "stamp", "head"], cwd=behindproj, check=True, env=behind_env, stdout=subprocess.DEVNULL)
        one, _ = edit_files(d, schema, changed)
        shutil.copy(one, behindproj / "schemas" / "schema.sql")
        subprocess.run([SD, "generate", "-m", "one_table_edit"], cwd=behindproj, check=True, env=behind_env,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    one_edit, five_edit = edit_files(d, schema, changed)

    def fresh_work(target=changed):
        mirror(pristine, work)
        shutil.copy(target, work / "schemas" / "schema.sql")

    variants = [("", [])]
    if NO_CACHE:
        variants = [("nocache", ["--no-cache"]), ("cache", [])]

    def sd(sub, args, variant_flags):
        if NO_CACHE == "global":
            return [SD] + variant_flags + [sub] + args
        return [SD, sub] + variant_flags + args

    measures = []
    for vname, vflags in variants:
        sfx = f"_{vname}" if vname else ""
        measures += [
            (f"sd_introspect{sfx}", lambda f=vflags: (sd("inspect", [urls["live"]], f), None, penv, (0,))),
            (f"sd_declare{sfx}", lambda f=vflags: (sd("inspect", [str(schema)] + dev, f), None, penv, (0,))),
            (f"sd_diff_declared{sfx}", lambda f=vflags: (sd("diff", ["--from", str(schema), "--to", str(changed)] + dev, f), None, penv, (0,))),
            (f"sd_diff_live{sfx}", lambda f=vflags: (sd("diff", ["--from", urls["live"], "--to", str(changed)], f), None, penv, (0,))),
            (f"sd_diff_live2live{sfx}", lambda f=vflags: (sd("diff", ["--from", urls["live"], "--to", urls["target"]], f), None, penv, (0,))),
            (f"sd_generate{sfx}", lambda f=vflags: (sd("generate", ["-m", "x"], f), work, penv, (0,))),
            (f"sd_check{sfx}", lambda f=vflags: (sd("check", [], f), checkproj, penv, (0,))),
        ]
    # generate right after an edit: the cache holds what the previous generate read (the
    # work project with schema.sql) but not changed.sql, as for a user who just edited
    # schemas/. Each run starts from a copy of that cache.
    edit_cache = d / "edit_cache"
    edit_env = dict(penv, SCHEMADIFF_CACHE_DIR=str(d / "edit_cache_run"))
    if want("sd_generate_edit"):
        if work.exists():
            shutil.rmtree(work)
        shutil.copytree(pristine, work)
        subprocess.run([SD, "generate", "-m", "x"], cwd=work, check=True,
                       env=dict(penv, SCHEMADIFF_CACHE_DIR=str(edit_cache)),
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        measures.append(("sd_generate_edit", lambda: ([SD, "generate", "-m", "x"], work, edit_env, (0,))))
        measures.append(("sd_generate_edit1", lambda: ([SD, "generate", "-m", "x"], work, edit_env, (0,))))

    def fresh_edit_cache():
        mirror(edit_cache, d / "edit_cache_run")

    # `check` cold: a fresh, empty SCHEMADIFF_CACHE_DIR every run (what CI sees on a new
    # runner), at head and one revision behind (exit 1: a revision is pending).
    cold_cache = d / "cold_cache"
    measures.append(("sd_check_cold", lambda: ([SD, "check"], checkproj, dict(penv, SCHEMADIFF_CACHE_DIR=str(cold_cache)), (0,))))
    if behind_env is not None:
        measures.append(("sd_check_behind", lambda: ([SD, "check"], behindproj,
                                                     dict(behind_env, SCHEMADIFF_CACHE_DIR=str(cold_cache)), (1,))))
    # generate right after a seeded random edit (examples/gen_schema --edit SEED COUNT, shapes
    # drawn from benches/common/edit_gen.rs): the project's previous generate read
    # project.sql (schema.sql plus comments, grants, triggers) and left its cache; then
    # schemas/ holds edited.sql. One table, and 5 % of the tables. PostgreSQL only.
    rand = {}
    if engine == "pg":
        for name, count in (("sd_generate_rand1", 1), ("sd_generate_rand5", max(1, n // 20))):
            if not want(name):
                continue
            rd = d / name
            shapes = subprocess.run([GEN, dialect, str(n), str(rd), "--edit", str(EDIT_SEED), str(count)],
                                    check=True, capture_output=True, text=True).stdout.strip().split("\n")[-1]
            print(f"[{engine} {n}] {name}: {shapes}", flush=True)
            base = rd / "project"
            subprocess.run([SD, "init", str(base), "--dialect", dialect], check=True, env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            shutil.copy(rd / "project.sql", base / "schemas" / "schema.sql")
            subprocess.run([SD, "generate", "-m", "base"], cwd=base, check=True,
                           env=dict(penv, SCHEMADIFF_CACHE_DIR=str(rd / "cache")),
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            rand[name] = rd
            measures.append((name, lambda rd=rd: ([SD, "generate", "-m", "x"], rd / "work",
                                                  dict(penv, SCHEMADIFF_CACHE_DIR=str(rd / "cache_run")), (0,))))

    def fresh_rand(rd):
        for sub, src in (("work", rd / "project"), ("cache_run", rd / "cache")):
            mirror(src, rd / sub)
        shutil.copy(rd / "edited.sql", rd / "work" / "schemas" / "schema.sql")

    measures = [m for m in measures if want(m[0])]

    def alembic():
        proc, rss, out = timed([f"{VENV}/bin/python", str(HERE / "alembic_compare.py"), "compare", urls["live"],
                                str(pickle_path)], capture=True)
        r = json.loads(out)
        return r["seconds"], rss, r["diffs"], proc

    sizes = {"schema_sql_bytes": schema.stat().st_size, "changed_sql_bytes": changed.stat().st_size}
    record({"engine": engine, "n": n, "kind": "meta", "edits": edits, "load_seconds": load_s, "runs": runs,
            "variants": [v for v, _ in variants], **sizes})

    # Untimed warm-up of the cached variants: the first run fills the cache.
    for name, mk in measures:
        if not name.endswith("_cache"):
            continue
        if name.startswith("sd_generate"):
            fresh_work()
        cmd, cwd, e, ok = mk()
        timed(cmd, cwd=cwd, env=e, ok=ok)

    # Interleaved rounds: every tool once per round, so drift hits them alike.
    for r in range(runs):
        s0 = steal()
        la = loadavg()
        for name, mk in measures:
            # A/B: both builds back to back, A first in even rounds and B first in odd ones.
            builds = [("", SD)] + ([("@B", SD_B)] if SD_B else [])
            if r % 2:
                builds.reverse()
            for tag, binary in builds:
                if name in rand:
                    fresh_rand(rand[name])
                elif name.startswith("sd_generate"):
                    fresh_work(one_edit if name == "sd_generate_edit1" else five_edit)
                if name.startswith("sd_generate_edit"):
                    fresh_edit_cache()
                if name.startswith("sd_check_") and not name.endswith("cache"):
                    if cold_cache.exists():
                        shutil.rmtree(cold_cache)
                cmd, cwd, e, ok = mk()
                cmd = [binary if c == SD else c for c in cmd]
                sec, rss, _ = timed(cmd, cwd=cwd, env=e, ok=ok)
                record({"engine": engine, "n": n, "tool": name + tag, "run": r, "seconds": sec, "rss_kb": rss,
                        "load": la})
        if want("alembic_check"):
            sec, rss, diffs, proc = alembic()
            record({"engine": engine, "n": n, "tool": "alembic_check", "run": r, "seconds": sec, "rss_kb": rss,
                    "load": la, "diffs": diffs, "process_seconds": proc})
        if engine == "pg" and want("psql_load"):
            sec, rss = psql_load(n, schema)
            record({"engine": engine, "n": n, "tool": "psql_load", "run": r, "seconds": sec, "rss_kb": rss, "load": la})
        if engine == "pg" and want("migra"):
            cmd = [f"{VENV_MIGRA}/bin/migra", "--unsafe", urls["live"], urls["target"]]
            sec, rss, _ = timed(cmd, ok=(0, 2))
            record({"engine": engine, "n": n, "tool": "migra", "run": r, "seconds": sec, "rss_kb": rss, "load": la})
        s1 = steal()
        st = 100.0 * (s1[0] - s0[0]) / max(1, s1[1] - s0[1])
        record({"engine": engine, "n": n, "kind": "round", "run": r, "load_start": la, "load_end": loadavg(),
                "steal_pct": round(st, 2)})
        print(f"[{engine} {n}] round {r + 1}/{runs} done (load {la} -> {loadavg()}, steal {st:.1f} %)", flush=True)
    if n <= 500 and want("alembic_check"):
        # Statements Alembic sends (untimed; grows with the tables, so the small sizes tell).
        out = subprocess.run([f"{VENV}/bin/python", str(HERE / "alembic_compare.py"), "count", urls["live"],
                              str(pickle_path)], check=True, capture_output=True, text=True).stdout
        record({"engine": engine, "n": n, "kind": "alembic_statements", **json.loads(out)})
    if work.exists():
        shutil.rmtree(work)


# ---------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------

LABELS = [
    ("sd_introspect", "schemadiff `inspect` of the live database (introspection)"),
    ("sd_declare", "schemadiff `inspect` of schema.sql (declare)"),
    ("sd_diff_declared", "schemadiff `diff` schema.sql → changed.sql (two declared)"),
    ("sd_diff_live", "schemadiff `diff` live → changed.sql (end to end)"),
    ("sd_diff_live2live", "schemadiff `diff` live → target database (two live, as migra)"),
    ("sd_generate", "schemadiff `generate` (offline, snapshots → schemas)"),
    ("sd_generate_edit", "schemadiff `generate` right after the edit (cache from before it)"),
    ("sd_generate_edit1", "schemadiff `generate` right after adding one column to one table"),
    ("sd_generate_rand1", "schemadiff `generate` right after a seeded random edit of one table"),
    ("sd_generate_rand5", "schemadiff `generate` right after a seeded random edit of 5 % of the tables"),
    ("sd_check", "schemadiff `check` (live database at head)"),
    ("sd_check_cold", "schemadiff `check` at head, cold (fresh empty cache directory)"),
    ("sd_check_behind", "schemadiff `check` one revision behind, cold (fresh empty cache directory)"),
    ("psql_load", "`psql -f schema.sql` into an empty database (synchronous_commit=off): the load reference"),
    ("alembic_check", "Alembic: reflect live + `compare_metadata` (what `alembic check` does)"),
    ("migra", "migra `--unsafe` live → target"),
]


def fmt(s):
    if s is None:
        return "–"
    if s >= 10:
        return f"{s:.1f} s"
    if s >= 1:
        return f"{s:.2f} s"
    return f"{s * 1000:.0f} ms"


def report():
    recs = [json.loads(l) for l in open(OUT / "results.jsonl")]
    meta = {(r["engine"], r["n"]): r for r in recs if r.get("kind") == "meta"}
    rounds = {}
    for r in recs:
        if r.get("kind") == "round":
            rounds.setdefault((r["engine"], r["n"]), []).append(r)
    times, rss = {}, {}
    for r in recs:
        if "tool" in r:
            k = (r["engine"], r["n"], r["tool"])
            times.setdefault(k, []).append(r["seconds"])
            rss.setdefault(k, []).append(r["rss_kb"])
    ab_lines = ab_report(times)
    times = {k: v for k, v in times.items() if not k[2].endswith("@B")}
    tools = sorted({k[2] for k in times}, key=lambda t: ([l[0] for l in LABELS].index(t.split("_cache")[0].split("_nocache")[0]), t))
    med = {k: statistics.median(v) for k, v in times.items()}
    lines = []
    for engine in ["pg", "sqlite"]:
        ns = sorted(n for (e, n) in meta if e == engine)
        if not ns:
            continue
        lines.append(f"\n### {'PostgreSQL' if engine == 'pg' else 'SQLite'}\n")
        lines.append("Median wall time [min – max], runs per size: " +
                     ", ".join(f"{n:,}: {len(rounds.get((engine, n), []))}" for n in ns) + ".\n")
        lines.append("| measurement | " + " | ".join(f"{n:,} tables" for n in ns) + " |")
        lines.append("|---|" + "---|" * len(ns))
        for t in tools:
            if not any((engine, n, t) in med for n in ns):
                continue
            base = t.replace("_nocache", "").replace("_cache", "")
            label = dict(LABELS).get(base, t)
            if t.endswith("_nocache"):
                label += ", `--no-cache`"
            elif t.endswith("_cache"):
                label += ", warm cache"
            cells = []
            for n in ns:
                v = times.get((engine, n, t))
                if v and len(v) > 1:
                    cells.append(f"{fmt(med[(engine, n, t)])} [{fmt(min(v))} – {fmt(max(v))}]")
                else:
                    cells.append(f"{fmt(v[0])} (1 run)" if v else "–")
            lines.append(f"| {label} | " + " | ".join(cells) + " |")
        lines.append("\nRatios: median of the alternative / median of schemadiff (higher: schemadiff faster).\n")
        lines.append("| ratio | " + " | ".join(f"{n:,}" for n in ns) + " |")
        lines.append("|---|" + "---|" * len(ns))
        sfxs = [s for s in ["", "_nocache", "_cache"]
                if any(k[0] == engine and k[2].startswith("sd_") and k[2].endswith(s) for k in med)
                and (s or not any(k[0] == engine and k[2].endswith("cache") for k in med))]
        for alt in ["alembic_check", "migra"]:
            if not any((engine, n, alt) in med for n in ns):
                continue
            for sd_t in ["sd_generate", "sd_diff_live", "sd_diff_live2live", "sd_check", "sd_introspect"]:
                for s in sfxs:
                    cells = []
                    for n in ns:
                        a, b = med.get((engine, n, alt)), med.get((engine, n, sd_t + s))
                        cells.append(f"{a / b:.1f}×" if a and b else "–")
                    sl = {"": "", "_nocache": " (no cache)", "_cache": " (warm cache)"}[s]
                    if all(c == "–" for c in cells):
                        continue
                    lines.append(f"| {alt} / {sd_t}{sl} | " + " | ".join(cells) + " |")
            for t, label in [("sd_generate_edit", "right after the edit"),
                             ("sd_generate_edit1", "right after a one-table edit"),
                             ("sd_generate_rand1", "right after a seeded random one-table edit"),
                             ("sd_generate_rand5", "right after a seeded random 5 % edit (target ≥ 50×)"),
                             ("sd_check_cold", "`check` cold at head (target ≥ 10×)"),
                             ("sd_check_behind", "`check` cold one revision behind")]:
                cells = [f"{med[(engine, n, alt)] / med[(engine, n, t)]:.1f}×"
                         if (engine, n, alt) in med and (engine, n, t) in med else "–" for n in ns]
                if any(c != "–" for c in cells):
                    lines.append(f"| {alt} / {t}: {label} | " + " | ".join(cells) + " |")
        lines += issue18_lines(engine, ns, med)
        lines.append("\nPeak resident memory (GNU time `%M`, median, MiB):\n")
        lines.append("| process | " + " | ".join(f"{n:,}" for n in ns) + " |")
        lines.append("|---|" + "---|" * len(ns))
        for t in tools:
            if not any((engine, n, t) in rss for n in ns):
                continue
            cells = [f"{statistics.median(rss[(engine, n, t)]) / 1024:.0f}" if (engine, n, t) in rss else "–" for n in ns]
            lines.append(f"| {t} | " + " | ".join(cells) + " |")
        lines.append("\nConditions per size:\n")
        for n in ns:
            m = meta[(engine, n)]
            rs = rounds.get((engine, n), [])
            la = ", ".join(r["load_start"] for r in rs)
            st = max((r["steal_pct"] for r in rs), default=0)
            al = [r for r in recs if r.get("tool") == "alembic_check" and r["engine"] == engine and r["n"] == n]
            diffs = sorted({r.get("diffs") for r in al})
            proc = fmt(statistics.median([r["process_seconds"] for r in al])) if al else "–"
            cnt = [r["statements"] for r in recs if r.get("kind") == "alembic_statements" and r["engine"] == engine and r["n"] == n]
            cnt = f" It sent {cnt[0]:,} SQL statements." if cnt else ""
            lines.append(f"- {n:,} tables: schema.sql {m['schema_sql_bytes'] // 1024} KiB; changes {m['edits']}; "
                         f"loading live + target took {m['load_seconds']:.1f} s; 1-min load average at the start of each round: {la}; "
                         f"CPU steal ≤ {st:.1f} %; Alembic reported {diffs} differences; the Alembic process "
                         f"(Python start, imports, loading the pickled models, the timed part) took {proc}.{cnt}")
    lines += ab_lines
    (OUT / "results.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    plot(med)


def issue18_lines(engine, ns, med):
    """The load reference and the growth: psql's load of schema.sql against the cold live
    `diff`, Alembic against the warm one, and median(5,000) / median(500) for every row."""
    lines = []
    pairs = [("psql_load", "sd_diff_live_nocache", "cold live `diff` (`--no-cache`) / psql load (target ≤ 1.0×)", True),
             ("alembic_check", "sd_diff_live_cache", "Alembic / warm live `diff` (target ≥ 20×)", False)]
    rows = []
    for a_t, b_t, label, sd_over_ref in pairs:
        cells = []
        for n in ns:
            a, b = med.get((engine, n, a_t)), med.get((engine, n, b_t))
            cells.append((f"{b / a:.2f}×" if sd_over_ref else f"{a / b:.1f}×") if a and b else "–")
        if any(c != "–" for c in cells):
            rows.append(f"| {label} | " + " | ".join(cells) + " |")
    if rows:
        lines.append("\nIssue 18 targets (2,000 tables; every size shown):\n")
        lines.append("| ratio | " + " | ".join(f"{n:,}" for n in ns) + " |")
        lines.append("|---|" + "---|" * len(ns))
        lines += rows
    lo, hi = min(ns), max(ns)
    if lo != hi:
        tools = sorted({k[2] for k in med if k[0] == engine and (engine, lo, k[2]) in med and (engine, hi, k[2]) in med})
        if tools:
            lines.append(f"\nGrowth {lo:,} → {hi:,} tables ({hi / lo:.0f}× the tables; target ≤ 11× for every schemadiff row):\n")
            lines.append(f"| row | {lo:,} | {hi:,} | growth |")
            lines.append("|---|---|---|---|")
            for t in tools:
                a, b = med[(engine, lo, t)], med[(engine, hi, t)]
                flag = " (over 11×)" if t.startswith("sd_") and b / a > 11 else ""
                lines.append(f"| {t} | {fmt(a)} | {fmt(b)} | {b / a:.1f}×{flag} |")
    return lines


def ab_report(times):
    """The A/B table: per engine, size and schemadiff measurement, the median of each build and
    B / A (above 1: B is slower). Empty when no second build was timed."""
    pairs = sorted(k for k in times if k[2].endswith("@B"))
    if not pairs:
        return []
    env = (OUT / "env.txt").read_text() if (OUT / "env.txt").exists() else ""
    builds = [l for l in env.splitlines() if l.startswith("schemadiff")]
    lines = ["\n### A/B: two builds in the same rounds\n"] + [f"- {l}" for l in builds]
    lines.append("\n| engine | tables | measurement | A median | B median | B / A | runs |")
    lines.append("|---|---|---|---|---|---|---|")
    for engine, n, tb in pairs:
        ta = tb[:-2]
        a, b = times.get((engine, n, ta)), times[(engine, n, tb)]
        if not a:
            continue
        ma, mb = statistics.median(a), statistics.median(b)
        lines.append(f"| {engine} | {n:,} | {ta} | {fmt(ma)} | {fmt(mb)} | {mb / ma:.2f} | {len(a)}+{len(b)} |")
    return lines


def plot(med):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, 2, figsize=(12, 5), sharey=True)
    for ax, engine, title in [(axes[0], "pg", "PostgreSQL 15"), (axes[1], "sqlite", "SQLite")]:
        order = [l[0] for l in LABELS]
        base = lambda t: t.replace("_nocache", "").replace("_cache", "")
        series = sorted({k[2] for k in med if k[0] == engine}, key=lambda t: (order.index(base(t)), t))
        # tab20: more rows than ten, and two rows must not share a colour.
        colors = plt.get_cmap("tab20")
        for t in series:
            pts = sorted((n, s) for (e, n, tt), s in med.items() if e == engine and tt == t)
            if not pts:
                continue
            style = "--" if t in ("alembic_check", "migra") else (":" if t.endswith("_cache") else "-")
            ax.plot([p[0] for p in pts], [p[1] for p in pts], style, marker="o", label=t,
                    color=colors(order.index(base(t)) % 20))
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title(title)
        ax.set_xlabel("tables")
        ax.grid(True, which="both", alpha=0.3)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=7)
    axes[0].set_ylabel("median wall time (s)")
    fig.suptitle("schemadiff vs Alembic (reflect + compare) vs migra: time against schema size")
    fig.tight_layout()
    fig.savefig(OUT / "performance.png", dpi=110)


if __name__ == "__main__":
    if sys.argv[1] == "run":
        run(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    else:
        report()
