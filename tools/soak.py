"""The reliability run behind ``make soak``: real processes on 127.0.0.1, a few minutes.

1. A clean reference: the seeds and ``articles`` generated articles ingested into a fresh folder.
2. The same seeds into a second folder, served by ``python -m assistant run`` on a free port.
3. While ``clients`` threads ask ``POST /api/ask`` without pause and bad requests hit every route,
   two ingests of the generated articles start at once into the served folder. The one writing
   is killed with SIGKILL a third of the way; the other takes the lock, repairs and goes on, and
   is killed in turn half-way through what is left. A third ingest finishes the job and a fourth
   must find nothing left to do.
4. The served store must equal the clean one (article ids, content hashes, chunk ids, sentence
   counts), ``check`` must report it healthy, the running server must have seen every article
   without a restart, and no request may have had a 5xx answer or a dropped connection.

``run`` returns the figures; ``summary`` prints them. Nothing here is part of ``make test``.
Run as ``python -m tools.soak [--clients 20] [--articles 40] [--report OUT.json]``.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import NamedTuple

from assistant.cli import run_command
from assistant.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
PROGRESS = re.compile(r"ingested (\d+)/(\d+) articles")
ROUTES = [("POST", "/api/ask"), ("GET", "/api/articles"), ("GET", "/api/health"), ("GET", "/api/timeline"),
          ("GET", "/widget.js"), ("GET", "/docs"), ("GET", "/"), ("POST", "/gradio_api/upload"),
          ("POST", "/gradio_api/component_server"),
          ("GET", "/no/such/route")]
BULLETIN = ("The Riverton harbor reopened on Thursday after a week of repairs, the port authority said.\n\n"
            "Ferries to Gull Island resume on Saturday, with the first boat leaving at 7 a.m.\n")
NEW_QUESTION = "When did the Riverton harbor reopen?"
QUESTIONS = ["Who arrived in Elwood and when?", "What did Johnson's ICE Free Zone executive order prohibit?",
             "Which other cities did Kristi Noem name for expanded operations?", "How old is Trump?",
             "What did Pritzker say on Oct. 5?", "When did Illinois sue?", "What is the population of Elwood?",
             "What happened on Oct. 4?", "Who ordered the deployment?", "What did the judge decide?"]


MAX_BODY = Settings.model_fields["max_body_bytes"].default  # the served process runs on the defaults
REFUSED_EARLY = 0  # a status for requests closed before their (oversized) body was sent, or not HTTP at all


class Place(NamedTuple):
    """Where a process's store is: its data folder, and the Chroma server it uses (``None``: the folder's own)."""

    data: Path
    url: str | None = None


class SoakFailed(Exception):
    """A step of the soak run could not go on (a process hung or died unexpectedly)."""


def run(settings: Settings, clients: int = 20, articles: int = 40, limit_s: float = 480.0,
        chroma: bool = False) -> dict:
    """Run the soak; returns its figures and ``passed``.

    Args:
        settings: for the seeds folder; every process gets its own data folder in a temporary folder.
        clients: concurrent chat clients.
        articles: generated articles ingested besides the seeds.
        limit_s: the ingest phase is abandoned (and the run failed) after this many seconds.
        chroma: serve a store on a Chroma server (``chroma run`` on 127.0.0.1) instead of a folder:
            the server and the ingests share it; a server takes no writer lock, so the killed
            ingests' leftovers are repaired by ``check --repair`` before the third ingest.
    """
    from tools.bench import synthetic_articles  # bench imports the answer path: only when a soak runs

    started = time.perf_counter()
    tmp = Path(tempfile.mkdtemp(prefix="assistant-soak-"))
    result: dict = {"clients": clients, "cpus": os.cpu_count(), "store": "Chroma server" if chroma else "folder",
                    "faults": [], "failures": []}
    server = chroma_server = None
    try:
        seeds = settings.seeds_dir.resolve()
        corpus = tmp / "generated"
        synthetic_articles(seeds, corpus, articles)
        (corpus / "bulletin.txt").write_text(BULLETIN, encoding="utf-8")  # one fact no seed has
        clean, served = Place(tmp / "clean"), Place(tmp / "served")
        if chroma:
            chroma_server, url = _chroma_server(tmp / "chroma-server")
            served = Place(served.data, url)

        _say(f"soak: clean reference ingest of {articles} generated articles and the seeds ...")
        t = time.perf_counter()
        report = _ingest(clean, [seeds, corpus])
        result["clean_ingest"] = {"articles": len(report["ingested"]), "chunks": report["chunks_written"],
                                  "seconds": round(time.perf_counter() - t, 1)}
        _ingest(served, [seeds])

        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        _say(f"soak: serving {served.url or served.data} on {base}; {clients} clients, bad requests, two ingests at once ...")
        server = _spawn(["run", "--host", "127.0.0.1", "--port", str(port)], served, tmp / "server.log")
        _wait_healthy(port, server, 180)

        stop = threading.Event()
        asks: list[tuple[int, float]] = []
        client_threads = [threading.Thread(target=_client, args=(port, stop, asks, i), daemon=True)
                          for i in range(clients)]
        bad: list[tuple[str, str, int]] = []
        bad_thread = threading.Thread(target=_bad_requests, args=(port, bad), daemon=True)
        clients_started = time.perf_counter()
        for th in client_threads:
            th.start()
        bad_thread.start()
        try:
            result["ingests"] = _ingests_with_kills(served, corpus, result["faults"], started + limit_s)
        finally:
            bad_thread.join(timeout=max(0.0, started + limit_s - time.perf_counter()))
            stop.set()
            for th in client_threads:
                th.join(timeout=120)
        result["client_seconds"] = round(time.perf_counter() - clients_started, 1)
        result["server_saw_all_articles"] = _sees_everything(port, result["clean_ingest"]["articles"], 60)
        _stop(server)
        server = None

        latencies = sorted(s for status, s in asks if status == 200)
        statuses = Counter(status for status, _ in asks)
        result["asks"] = {"requests": len(asks), "ok": statuses.get(200, 0),
                          "statuses": {str(k): v for k, v in sorted(statuses.items())},
                          "p50_s": _pct(latencies, 50), "p95_s": _pct(latencies, 95),
                          "per_s": round(len(asks) / result["client_seconds"], 1)}
        by_route = Counter(route for route, _, _ in bad)
        bad_statuses = Counter(status for _, _, status in bad)
        result["bad_requests"] = {"requests": len(bad), "routes": len(by_route), "fewest_per_route": min(by_route.values()),
                                  "statuses": {str(k): v for k, v in sorted(bad_statuses.items())},
                                  "server_errors": [f"{r} {what}: {s}" for r, what, s in bad if s >= 500 or s < 0]}
        result["five_xx"] = sum(v for k, v in statuses.items() if k >= 500) + sum(
            v for k, v in bad_statuses.items() if k >= 500)
        result["dropped"] = statuses.get(-1, 0) + bad_statuses.get(-1, 0)
        result["refused_early"] = statuses.get(REFUSED_EARLY, 0) + bad_statuses.get(REFUSED_EARLY, 0)

        check = _cli(["check", "--json"], served)
        result["check"] = {"exit": check.returncode, **json.loads(check.stdout)}
        result["converged"] = _compare(clean, served)
    except SoakFailed as exc:
        result["failures"].append(str(exc))
    finally:
        if server is not None:
            _stop(server)
        if chroma_server is not None:
            _stop(chroma_server)
        result["seconds"] = round(time.perf_counter() - started, 1)
        shutil.rmtree(tmp, ignore_errors=True)

    fails = result["failures"]
    if not fails:
        if result["five_xx"] or result["dropped"]:
            fails.append(f"{result['five_xx']} answers with a 5xx status, {result['dropped']} dropped connections")
        if result["check"]["exit"] != 0:
            fails.append("check reports problems left in the served store")
        if result["converged"]["differences"]:
            fails.append("the served store differs from the clean one: "
                         + "; ".join(result["converged"]["differences"][:5]))
        if not result["server_saw_all_articles"]:
            fails.append("the running server did not see every article without a restart")
        if result["ingests"]["final"]["ingested"]:
            fails.append("the last ingest still found articles to write")
        if result["bad_requests"]["fewest_per_route"] < 50:
            fails.append("fewer than 50 bad requests on some route")
    result["passed"] = not fails
    return result


# -- processes -------------------------------------------------------------------------------

def _env(place: Place) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    # small groups: an ingest writes (and can be killed) several times even on a few articles
    env.update(ASSISTANT_DATA_DIR=str(place.data), ASSISTANT_INGEST_LOG_EVERY="0", ASSISTANT_INGEST_BATCH="64")
    if place.url:
        env["ASSISTANT_CHROMA_URL"] = place.url
    if "rate_limit" in Settings.model_fields:  # 20 clients from one address: measure answers, not the limiter
        env["ASSISTANT_RATE_LIMIT"] = "0"
    return env


def _cli(args: list[str], place: Place, timeout: float = 900) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "assistant", *args], cwd=ROOT, env=_env(place), capture_output=True,
                          text=True, timeout=timeout)


def _ingest(place: Place, paths: list[Path]) -> dict:
    done = _cli(["ingest", *map(str, paths), "--json"], place)
    if done.returncode != 0:
        raise SoakFailed(f"ingest into {place.data} failed ({done.returncode}): {done.stderr[-500:]}")
    return json.loads(done.stdout)


def _spawn(args: list[str], place: Place, log: Path | None = None) -> subprocess.Popen:
    """``python -m assistant ARGS`` on ``data``; its output into ``log``, or pipes to read."""
    if log is None:
        return subprocess.Popen([sys.executable, "-m", "assistant", *args], cwd=ROOT, env=_env(place), text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    with open(log, "w") as out:  # the child keeps its own copy of the file
        return subprocess.Popen([sys.executable, "-m", "assistant", *args], cwd=ROOT, env=_env(place), text=True,
                                stdout=out, stderr=subprocess.STDOUT)


def _chroma_server(path: Path) -> tuple[subprocess.Popen, str]:
    """``chroma run`` (it comes with chromadb) on a free port of 127.0.0.1; the process and its URL."""
    exe = shutil.which("chroma") or str(Path(sys.executable).parent / "chroma")
    port = _free_port()
    proc = subprocess.Popen([exe, "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.perf_counter() + 60
    while time.perf_counter() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return proc, f"http://127.0.0.1:{port}"
        except OSError:
            if proc.poll() is not None:
                break
            time.sleep(0.2)
    proc.kill()
    raise SoakFailed("the Chroma server did not start")


def _stop(proc: subprocess.Popen) -> None:
    """Stop a server the way Ctrl-C does; kill it if it does not stop."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


class _Ingest:
    """An ingest subprocess whose progress lines are read as they come."""

    def __init__(self, name: str, place: Place, corpus: Path) -> None:
        self.name = name
        self.proc = _spawn(["ingest", str(corpus), "--json"], place)
        self.done = self.total = 0
        self.err: list[str] = []
        self.out = ""
        threading.Thread(target=self._read_err, daemon=True).start()
        threading.Thread(target=self._read_out, daemon=True).start()

    def _read_err(self) -> None:
        for line in self.proc.stderr:
            self.err.append(line)
            if m := PROGRESS.search(line):
                self.done, self.total = int(m.group(1)), int(m.group(2))

    def _read_out(self) -> None:
        self.out = self.proc.stdout.read()

    def kill_at(self, fraction: float, deadline: float, faults: list) -> None:
        """SIGKILL once this ingest has written ``fraction`` of its articles."""
        while time.perf_counter() < deadline and self.proc.poll() is None:
            if self.total and self.done >= max(1, int(self.total * fraction)):
                self.proc.send_signal(signal.SIGKILL)
                self.proc.wait()
                faults.append(f"{self.name} killed (SIGKILL) after writing {self.done}/{self.total} articles")
                _say(f"soak: {faults[-1]}")
                return
            time.sleep(0.05)
        raise SoakFailed(f"{self.name} ended or hung before it could be killed: {''.join(self.err)[-500:]}")

    def report(self, deadline: float) -> dict:
        try:
            self.proc.wait(timeout=max(1.0, deadline - time.perf_counter()))
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise SoakFailed(f"{self.name} did not finish in time") from None
        time.sleep(0.2)  # the reader threads take the last output
        if self.proc.returncode != 0:
            raise SoakFailed(f"{self.name} failed ({self.proc.returncode}): {''.join(self.err)[-500:]}")
        return json.loads(self.out)


def _ingests_with_kills(place: Place, corpus: Path, faults: list, deadline: float) -> dict:
    t = time.perf_counter()
    first, second = _Ingest("ingest 1", place, corpus), _Ingest("ingest 2", place, corpus)
    # whichever takes the writer lock first writes; the other waits for it
    while not (first.total or second.total):
        if time.perf_counter() > deadline or (first.proc.poll() is not None and second.proc.poll() is not None):
            raise SoakFailed("neither of the two concurrent ingests started writing")
        time.sleep(0.05)
    writing, waiting = (first, second) if first.total else (second, first)
    waited = any("waiting for another ingest" in line for line in waiting.err)
    writing.kill_at(1 / 3, deadline, faults)
    waiting.kill_at(1 / 2, deadline, faults)  # it took the lock, repaired and went on: killed in turn
    if waited:
        faults.append(f"{waiting.name} waited for the writer lock while {writing.name} wrote")
    if place.url:  # a server takes no writer lock and an ingest does not repair it: check --repair does
        repair = _cli(["check", "--repair", "--json"], place)
        faults.append(f"check --repair after the kills: exit {repair.returncode}")
    third = _Ingest("ingest 3", place, corpus)
    resumed = third.report(deadline)
    final = _Ingest("ingest 4", place, corpus).report(deadline)
    faults.append(f"ingest 3 resumed: {len(resumed['ingested'])} written, {len(resumed['unchanged'])} unchanged, "
                  f"{len(resumed['repaired'])} half-written repaired")
    return {"seconds": round(time.perf_counter() - t, 1), "waited_for_lock": waited,
            "resumed": {k: len(resumed[k]) for k in ("ingested", "unchanged", "repaired")},
            "final": {k: len(final[k]) for k in ("ingested", "unchanged", "repaired")}}


def _compare(clean: Place, served: Place) -> dict:
    """Article ids, content hashes, chunk ids and sentence counts of two stores, and their differences."""
    from vectorstore.store import ChromaStore

    def view(place: Place) -> dict:
        inv = (ChromaStore(url=place.url) if place.url else ChromaStore(place.data / "chroma")).inventory()
        chunks: dict[str, list[str]] = {}
        for cid, c in inv.chunks.items():
            chunks.setdefault(c.article_id, []).append(cid)
        sentences = Counter(s.article_id for s in inv.sentences.values())
        return {aid: (row.content_hash, sorted(chunks.get(aid, [])), sentences[aid]) for aid, row in inv.articles.items()}

    a, b = view(clean), view(served)
    diffs = [f"{aid}: only in the {'clean' if aid in a else 'served'} store" for aid in sorted(set(a) ^ set(b))]
    diffs += [f"{aid}: differs" for aid in sorted(set(a) & set(b)) if a[aid] != b[aid]]
    return {"articles": len(b), "chunks": sum(len(v[1]) for v in b.values()),
            "sentences": sum(v[2] for v in b.values()), "differences": diffs}


# -- HTTP --------------------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _request(port: int, method: str, path: str, body: bytes | None = None, headers: dict | None = None,
             timeout: float = 120) -> tuple[int, bytes]:
    """One request on its own connection: ``(status, body)``; status -1 when the connection failed.

    A body over the server's limit (``ASSISTANT_MAX_BODY_BYTES``) may be refused (413) and the
    connection closed before the client has sent it all; the client then fails to send, not the
    server to answer: status ``REFUSED_EARLY``."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, resp.read()
    except (OSError, http.client.HTTPException):
        return (REFUSED_EARLY if body is not None and len(body) > MAX_BODY else -1), b""
    finally:
        conn.close()


def _wait_healthy(port: int, server: subprocess.Popen, timeout: float) -> None:
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if server.poll() is not None:
            raise SoakFailed(f"the server exited with {server.returncode} before serving")
        if _request(port, "GET", "/api/health", timeout=5)[0] == 200:
            return
        time.sleep(0.5)
    raise SoakFailed("the server did not answer /api/health in time")


def _sees_everything(port: int, articles: int, timeout: float) -> bool:
    """Whether the server lists every article and answers from the one written last (no restart)."""
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        status, body = _request(port, "POST", "/api/ask", json.dumps({"question": NEW_QUESTION}).encode(),
                                {"Content-Type": "application/json"})
        listed, names = _request(port, "GET", "/api/articles", timeout=10)
        if status == 200 and listed == 200:
            cited = {c["article_id"] for c in json.loads(body).get("citations", [])}
            if len(json.loads(names)) == articles and "bulletin" in cited:
                return True
        time.sleep(1)
    return False


def _client(port: int, stop: threading.Event, out: list, seed: int) -> None:
    rng = random.Random(seed)
    while not stop.is_set():
        body = json.dumps({"question": rng.choice(QUESTIONS)}).encode()
        t = time.perf_counter()
        status, _ = _request(port, "POST", "/api/ask", body, {"Content-Type": "application/json"})
        out.append((status, time.perf_counter() - t))


def _bad_requests(port: int, out: list) -> None:
    """At least 50 bad requests per route: wrong methods, bad bodies, odd headers, broken HTTP."""
    deep = b"[" * 100_000 + b"]" * 100_000
    bodies = [b"", b"{", b"null", b"[]", b'{"question": 1}', b'{"question": ["a"]}', b'{"question": ""}',
              b'{"question": "' + b"x" * 100_000 + b'"}', b'{"question": "\\ud800 who?"}', b"\xff\xfe\x00\x01",
              deep, b"a" * 2_000_000, b'{"question": "q", "history": "x"}', b'{"question": "q", "as_of": "2025-13-45"}',
              b'{"question": "q", "history": [{"role": "system", "content": "x"}]}', b'{"question": "q", "extra": 1}']
    headers = [{"Content-Type": "application/json"}, {"Content-Type": "text/plain"}, {},
               {"Content-Type": "multipart/form-data; boundary=zzz"}, {"Content-Type": "application/json; charset=latin-1"},
               {"Origin": "http://evil.example", "Content-Type": "application/json"},
               {"X-Forwarded-For": "1.2.3.4, <script>"}, {"Accept": "text/html;q=0.1, */*;q=0"},
               {"Content-Encoding": "gzip", "Content-Type": "application/json"}, {"X-Huge": "h" * 16_000},
               {"Range": "bytes=999999-"}, {"If-None-Match": "*" * 5000}, {"Cookie": "a=" + "b" * 8000}]
    methods = ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"]
    raw = [b"GET %s HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc",  # shorter body than announced
           b"POST %s HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nnot hex\r\n0\r\n\r\n",
           b"GARBAGE %s\r\n\r\n", b"GET %s HTTP/9.9\r\nHost: x\r\n\r\n",
           b"GET %s HTTP/1.1\r\nHost: x\r\nBad Header Line\r\n\r\n"]
    for route_method, path in ROUTES:
        for i, method in enumerate(methods):
            for body in bodies[i::2]:
                out.append((path, f"{method} body={body[:20]!r}", _request(port, method, path, body,
                                                                           {"Content-Type": "application/json"}, 60)[0]))
        for h in headers:
            out.append((path, f"{route_method} headers={list(h)}", _request(port, route_method, path, bodies[4], h, 60)[0]))
        for q in ("?q=%00", "?" + "a=1&" * 2000, "/..%2f..%2fetc%2fpasswd", "%ff%fe"):
            out.append((path, f"GET {q[:20]}", _request(port, "GET", path + q, None, None, 60)[0]))
        for template in raw:
            out.append((path, f"raw {template[:20]!r}", _raw(port, template.replace(b"%s", path.encode()))))


def _raw(port: int, data: bytes, timeout: float = 10) -> int:
    """Send bytes that are not valid HTTP; the status, ``REFUSED_EARLY`` when the server closed or kept
    waiting (not a 5xx)."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
            try:
                s.sendall(data)
                reply = s.recv(64)
            except (socket.timeout, ConnectionResetError, BrokenPipeError):
                return REFUSED_EARLY
    except OSError:
        return -1  # could not connect: the server is gone
    m = re.match(rb"HTTP/1\.[01] (\d{3})", reply)
    return int(m.group(1)) if m else REFUSED_EARLY


# -- figures -----------------------------------------------------------------------------------

def _pct(values: list[float], p: float) -> float | None:
    if not values:
        return None
    return round(values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))], 3)


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def summary(result: dict) -> str:
    """The figures, a few lines."""
    lines = [f"Soak on 127.0.0.1 ({result['cpus']} CPUs), a store in a {result['store']}, {result['clients']} clients, "
             f"{result['seconds']} s."]
    if "clean_ingest" in result:
        c = result["clean_ingest"]
        lines.append(f"clean ingest into a fresh folder: {c['articles']} articles, {c['chunks']} chunks, {c['seconds']} s")
    if "asks" in result:
        a = result["asks"]
        lines.append(f"questions during the ingests: {a['requests']} ({a['per_s']}/s), p50 {a['p50_s']} s, "
                     f"p95 {a['p95_s']} s, statuses {a['statuses']}")
        b = result["bad_requests"]
        lines.append(f"bad requests: {b['requests']} on {b['routes']} routes (at least {b['fewest_per_route']} each), "
                     f"statuses {b['statuses']}")
        for err in b["server_errors"][:10]:
            lines.append(f"  5xx or dropped: {err}")
        lines.append(f"5xx answers: {result['five_xx']}; dropped connections: {result['dropped']}; refused before "
                     f"the body was read (oversized, or not HTTP): {result['refused_early']}")
    for fault in result["faults"]:
        lines.append(f"fault survived: {fault}")
    if "converged" in result:
        v = result["converged"]
        same = "same" if not v["differences"] else f"{len(v['differences'])} differences from"
        lines.append(f"served store: {v['articles']} articles, {v['chunks']} chunks, {v['sentences']} sentence vectors; "
                     f"{same} ids, content hashes, chunk ids and sentence counts as the clean ingest")
        lines.append(f"check: exit {result['check']['exit']}, healthy {result['check']['healthy']}; "
                     f"server saw every article without a restart: {result['server_saw_all_articles']}; "
                     f"last ingest: {result['ingests']['final']}")
    lines.extend(f"FAILED: {f}" for f in result["failures"])
    lines.append("PASSED" if result["passed"] else "FAILED")
    return "\n".join(lines)


# -- command line ------------------------------------------------------------------------------

def build_parser() -> argparse.ArgumentParser:
    """The options of ``python -m tools.soak``."""
    p = argparse.ArgumentParser(prog="python -m tools.soak",
                                description="the reliability run behind 'make soak': two ingests at once (both "
                                            "killed part-way), a server, 20 clients and bad requests, on 127.0.0.1 "
                                            "(a few minutes)")
    p.add_argument("--clients", type=int, default=20, help="concurrent chat clients (default 20)")
    p.add_argument("--articles", type=int, default=40, help="generated articles besides the seeds (default 40)")
    p.add_argument("--report", type=Path, help="write the figures as JSON here")
    p.add_argument("--chroma", action="store_true", help="serve a store on a Chroma server (chroma run) instead of a folder")
    return p


def soak(args: argparse.Namespace, settings: Settings) -> int:
    """Run the soak, print its summary and write ``--report``; exit status 0 if it passed, else 1."""
    result = run(settings, clients=args.clients, articles=args.articles, chroma=args.chroma)
    print(summary(result))
    if args.report:
        args.report.parent.mkdir(parents=True, exist_ok=True)
        args.report.write_text(json.dumps(result, indent=2), encoding="utf-8")
    return 0 if result["passed"] else 1


def main(argv: list[str] | None = None) -> int:
    """``python -m tools.soak``: parse the options and run the soak; returns the exit status."""
    return run_command(soak, build_parser().parse_args(argv), loggers=("tools",))


if __name__ == "__main__":
    sys.exit(main())
