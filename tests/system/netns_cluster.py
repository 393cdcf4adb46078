#!/usr/bin/python3
"""A cluster of real hosts, made of Linux network namespaces (issue 11).

Builds a switch (a namespace holding a bridge) and four hosts (each a namespace with its own
address and its own UTS namespace, so its own host name) joined to the switch by veth pairs,
then runs `sgmc node` master, two workers and the collector each on its own host, connecting
by address, with every payload over the data channel (`cluster.data_channel_min_bytes = 0`).
Checks that the run completes on every host, that the collector wrote the samples and the
metrics, that the master saw each node join from its own host, and that the traces (copied
into one folder, as a user would after the run) show messages between the distinct hosts,
paired send to receive.

Every namespace and link it made is removed at the end, also when it fails or is interrupted.
Needs root (CI runs as root) and `ip` (iproute2); without them it exits 77 (ctest: skipped).

  tests/system/netns_cluster.py --sgmc build/release/tools/sgmc --config examples/gaussian-2d.toml
      [--keep DIR] [--set key=value ...] [--tls] [--launcher slurm|mpi] [--scenario link-cut]

--launcher starts every host with one `sgmc node auto` command line, as srun or mpirun would,
the role coming from the rank variable (SLURM_PROCID or OMPI_COMM_WORLD_RANK) and, with --tls,
the certificate from $(hostname): the commands docs/cluster.md gives for Slurm and MPI.
"""
import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

SKIP = 77


class Cluster:
    """The switch and the hosts; `close` removes all of it (idempotent)."""

    def __init__(self, hosts):
        tag = f"{os.getpid() % 100000}"
        self.prefix = f"sgmc{tag}"
        # A /24 in 10.0.0.0/8 that no interface of this machine uses.
        used = subprocess.run(["ip", "-o", "-4", "addr"], capture_output=True, text=True).stdout
        for third in range(os.getpid() % 200 + 20, 256):
            net = f"10.213.{third}"
            if f" {net}." not in used:
                break
        self.net = net
        self.switch = f"{self.prefix}-sw"
        self.hosts = [f"{self.prefix}-{h}" for h in hosts]
        self.names = list(hosts)
        self.made = []  # namespaces made, in order

    def ip(self, *args, ns=None):
        cmd = (["ip", "netns", "exec", ns] if ns else []) + ["ip", *args]
        subprocess.run(cmd, check=True, capture_output=True, text=True)

    def address(self, i):
        return f"{self.net}.{i + 1}"

    def build(self):
        subprocess.run(["ip", "netns", "add", self.switch], check=True)
        self.made.append(self.switch)
        self.ip("link", "add", "br0", "type", "bridge", ns=self.switch)
        self.ip("link", "set", "br0", "up", ns=self.switch)
        for i, ns in enumerate(self.hosts):
            subprocess.run(["ip", "netns", "add", ns], check=True)
            self.made.append(ns)
            # Both ends are made inside the switch (names there are private to it), then one
            # end moves into the host and becomes its eth0.
            self.ip("link", "add", f"p{i}", "type", "veth", "peer", "name", f"h{i}",
                    ns=self.switch)
            self.ip("link", "set", f"h{i}", "netns", ns, ns=self.switch)
            self.ip("link", "set", f"p{i}", "master", "br0", ns=self.switch)
            self.ip("link", "set", f"p{i}", "up", ns=self.switch)
            self.ip("link", "set", f"h{i}", "name", "eth0", ns=ns)
            self.ip("addr", "add", f"{self.address(i)}/24", "dev", "eth0", ns=ns)
            self.ip("link", "set", "eth0", "up", ns=ns)
            self.ip("link", "set", "lo", "up", ns=ns)

    def close(self):
        for ns in reversed(self.made):
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)
        self.made = []

    def leftovers(self):
        out = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
        return [line.split()[0] for line in out.splitlines() if line.startswith(self.prefix)]

    def run_on(self, i, argv, **kw):
        """Starts argv on host i: its network namespace and a UTS namespace named after it."""
        inner = f"hostname {self.names[i]} && exec \"$@\""
        cmd = ["ip", "netns", "exec", self.hosts[i], "unshare", "--uts", "sh", "-c", inner, "sh",
               *argv]
        return Node(subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True, **kw))


def fail(msg):
    print(f"netns_cluster: FAIL: {msg}", file=sys.stderr)
    sys.exit(1)


class Node:
    """A started process whose stdout and stderr are read by threads, line by line."""

    def __init__(self, proc):
        self.proc = proc
        self.out, self.err = [], []
        self.cv = threading.Condition()
        self.threads = [threading.Thread(target=self._pump, args=(proc.stdout, self.out)),
                        threading.Thread(target=self._pump, args=(proc.stderr, self.err))]
        for t in self.threads:
            t.daemon = True
            t.start()

    def _pump(self, stream, lines):
        for line in stream:
            with self.cv:
                lines.append(line.rstrip("\n"))
                self.cv.notify_all()

    def wait_line(self, pattern, timeout):
        """The first stdout line matching pattern (a compiled regex), within timeout."""
        deadline = time.monotonic() + timeout
        with self.cv:
            while True:
                for line in self.out:
                    m = pattern.search(line)
                    if m:
                        return m
                left = deadline - time.monotonic()
                if left <= 0 or self.proc.poll() is not None:
                    fail(f"no line matching {pattern.pattern!r} within {timeout} s; stdout "
                         f"{self.out}; stderr {self.err}")
                self.cv.wait(min(left, 0.1))

    def finish(self, timeout):
        self.proc.wait(timeout=timeout)
        for t in self.threads:
            t.join(timeout=5)
        return self.proc.returncode, "\n".join(self.out), "\n".join(self.err)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sgmc", required=True)
    ap.add_argument("--config", required=True)
    ap.add_argument("--keep", help="keep the run folders here")
    ap.add_argument("--set", action="append", default=[])
    ap.add_argument("--scenario", choices=["run", "link-cut"], default="run",
                    help="link-cut: worker 1's interface goes down mid-run; the master must "
                         "notice within cluster.connection_timeout_s and carry on with worker 0; "
                         "then the interface comes back up, and worker 1 must rejoin and have "
                         "updates applied again before the end")
    ap.add_argument("--launcher", choices=["none", "slurm", "mpi"], default="none",
                    help="start every host with `sgmc node auto` and the rank variables Slurm "
                         "(SLURM_PROCID) or Open MPI (OMPI_COMM_WORLD_RANK) would set, each "
                         "picking its certificate by $(hostname), as docs/cluster.md shows")
    ap.add_argument("--tls", action="store_true",
                    help="[cluster] tls = true, each host with its own certificate "
                         "(scripts/make-cluster-certs)")
    args = ap.parse_args()

    if os.geteuid() != 0 or shutil.which("ip") is None or shutil.which("unshare") is None:
        print("netns_cluster: needs root, ip and unshare; skipped", file=sys.stderr)
        return SKIP

    sgmc = os.path.abspath(args.sgmc)
    config = os.path.abspath(args.config)
    work = args.keep or tempfile.mkdtemp(prefix="sgmc-netns-")
    os.makedirs(work, exist_ok=True)
    hosts = ["host-m", "host-w0", "host-w1", "host-c"]
    cluster = Cluster(hosts)
    procs = []

    def cleanup(*_):
        for p in procs:
            if p.proc.poll() is None:
                p.proc.kill()
        cluster.close()

    def on_signal(signum, _frame):
        cleanup()
        sys.exit(128 + signum)

    for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, on_signal)

    try:
        cluster.build()
        cut = args.scenario == "link-cut"
        timeout_s, heartbeat_s = 3.0, 0.5
        sets = ["--set", "protocol.kind=async", "--set", "protocol.workers=2",
                "--set", f"run.steps={40000 if cut else 4000}", "--set", "run.burnin=200",
                "--set", "run.thin=10", "--set", "cluster.data_channel_min_bytes=0",
                "--set", f"cluster.connection_timeout_s={timeout_s}",
                "--set", f"cluster.heartbeat_s={heartbeat_s}"]
        for s in args.set:
            sets += ["--set", s]
        per_host = {h: [] for h in hosts}
        if args.tls:
            certs = os.path.join(work, "certs")
            script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                  "scripts", "make-cluster-certs")
            subprocess.run([script, certs, *hosts], check=True, capture_output=True)
            for h in hosts:
                per_host[h] = ["--set", "cluster.tls=true",
                               "--set", f"cluster.certificate={certs}/{h}.pem",
                               "--set", f"cluster.key={certs}/{h}.key",
                               "--set", f"cluster.ca={certs}/ca.pem"]
        out = {h: os.path.join(work, h) for h in hosts}
        master_addr = cluster.address(0)
        if args.launcher != "none":
            # One command line for every rank, as srun or mpirun would start it; the rank
            # variables decide the role (0 master, 1 collector, 2 + i worker i) and each
            # process takes its host's certificate by its host name (the UTS namespace's).
            rank_of = {"host-m": 0, "host-c": 1, "host-w0": 2, "host-w1": 3}
            names = (("SLURM_PROCID", "SLURM_NTASKS") if args.launcher == "slurm" else
                     ("OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE"))
            tls = ""
            if args.tls:
                tls = (f" --set cluster.tls=true --set cluster.ca={certs}/ca.pem"
                       f" --set cluster.certificate={certs}/$(hostname).pem"
                       f" --set cluster.key={certs}/$(hostname).key")
            # `sh -c SCRIPT sh SGMC CONFIG MASTER WORK SETS...`: the SETS stay in "$@".
            script = ('sgmc="$1" config="$2" master="$3" work="$4"; shift 4; '
                      'exec "$sgmc" node auto "$config" --master "$master:7000" '
                      f'--out "$work/$(hostname)" --wait 20 -q{tls} "$@"')
            base = {k: v for k, v in os.environ.items()
                    if not k.startswith(("SLURM_", "OMPI_", "PMI_", "PMIX_"))}
            for i, h in enumerate(hosts):
                env = dict(base, **{names[0]: str(rank_of[h]), names[1]: str(len(hosts))})
                argv = ["sh", "-c", script, "sh", sgmc, config, master_addr, work, *sets]
                procs.append(cluster.run_on(i, argv, env=env))
            master = procs[0]
            m = master.wait_line(re.compile(r"master listening on (\S+):(\d+)"), 30)
            if m.group(1) != master_addr or m.group(2) != "7000":
                fail(f"rank 0 listens on {m.group(1)}:{m.group(2)}, not {master_addr}:7000")
            for p, h in zip(procs, hosts):
                want = rank_of[h]
                p.wait_line(re.compile(rf"rank {want} \({names[0]}\): "), 30)
        else:
            master = cluster.run_on(0, [sgmc, "node", "master", config, *sets,
                                        *per_host["host-m"], "--listen",
                                        f"{master_addr}:0", "--wait", "20", "-q", "--out",
                                        out["host-m"]])
            procs.append(master)
            m = master.wait_line(re.compile(r"master listening on (\S+):(\d+)"), 30)
            if m.group(1) != master_addr:
                fail(f"the master listens on {m.group(1)}, not on its host's address "
                     f"{master_addr}")
            port = m.group(2)
            roles = [(1, ["worker", "--id", "0"]), (2, ["worker", "--id", "1"]),
                     (3, ["collector"])]
            for i, role in roles:
                p = cluster.run_on(i, [sgmc, "node", role[0], config, *sets,
                                       *per_host[hosts[i]], *role[1:], "--connect",
                                       f"{master_addr}:{port}", "-q", "--out", out[hosts[i]]])
                procs.append(p)
        if cut:
            master.wait_line(re.compile(r"starting async"), 60)
            time.sleep(1.0)
            t_cut = time.monotonic()
            cluster.ip("link", "set", "eth0", "down", ns=cluster.hosts[2])
            master.wait_line(re.compile(r"worker 1 lost; carrying on with 1"), timeout_s + 30)
            noticed = time.monotonic() - t_cut
            # The connection closes after timeout_s of silence, checked once per heartbeat.
            if noticed > timeout_s + 2 * heartbeat_s + 3.0:
                fail(f"the master noticed the cut link after {noticed:.1f} s; "
                     f"cluster.connection_timeout_s = {timeout_s}")
            if noticed < timeout_s - heartbeat_s - 0.5:
                fail(f"the master lost worker 1 {noticed:.1f} s after the cut, before the "
                     f"{timeout_s} s timeout: not by the heartbeat")
            print(f"netns_cluster: the cut link was noticed after {noticed:.2f} s "
                  f"(timeout {timeout_s} s, heartbeat {heartbeat_s} s)")
            # The link returns: worker 1 connects again and rejoins under its index.
            t_up = time.monotonic()
            cluster.ip("link", "set", "eth0", "up", ns=cluster.hosts[2])
            master.wait_line(re.compile(r"worker 1 rejoined the run from host-w1 \(pid \d+\)"),
                             30)
            print(f"netns_cluster: worker 1 rejoined {time.monotonic() - t_up:.2f} s after its "
                  f"link came back")
        results = []
        for p in procs:
            try:
                results.append(p.finish(timeout=120))
            except subprocess.TimeoutExpired:
                fail("a node did not finish within 120 s")
        for (rc, so, se), h in zip(results, hosts):
            if rc != 0:
                others = "; ".join(f"{hh}: exit {r[0]}: {r[2].strip()[-400:]!r}"
                                   for r, hh in zip(results, hosts) if hh != h)
                fail(f"{h} exited {rc}: {se.strip()[-2000:]} (the others: {others})")
        master_out = results[0][1]
        for who, host in (("worker 0", "host-w0"), ("worker 1", "host-w1"),
                          ("the collector", "host-c")):
            if not re.search(rf"{who} joined from {host} \(pid \d+\)", master_out):
                fail(f"the master did not see {who} join from {host}: {master_out!r}")
        if args.tls != ("without TLS" not in master_out and "warning: listening" not in
                        master_out):
            fail(f"tls = {args.tls}, but the master's warnings say otherwise: {master_out!r}")
        if "done: versions" not in master_out:
            fail(f"the master did not finish the run: {master_out!r}")
        # The payloads travelled over the data channels, between the hosts' own addresses.
        for (rc, so, se), i in zip(results, range(len(hosts))):
            text = so + "\n" + se
            m = re.search(r"data channel tcp://([0-9.]+):\d+: sent (\d+) payloads? .*received (\d+)",
                          text)
            if not m:
                fail(f"{hosts[i]} printed no data channel line: {text!r}")
            if m.group(1) != cluster.address(i):
                fail(f"{hosts[i]}'s data channel listens on {m.group(1)}, not {cluster.address(i)}")
            if int(m.group(2)) + int(m.group(3)) == 0:
                fail(f"{hosts[i]}'s data channel carried nothing: {m.group(0)}")
            # With TLS the channel is a CURVE server (its socket option read back) and refused
            # no node of the cluster; without, it is plain.
            line = text[m.start():].split("\n", 1)[0]
            if args.tls != line.endswith(", CURVE"):
                fail(f"tls = {args.tls}, but {hosts[i]}'s data channel says: {line!r}")

        # The collector's outputs, on its own host.
        samples = os.path.join(out["host-c"], "samples", "chain-0.npy")
        metrics = os.path.join(out["host-c"], "metrics.jsonl")
        if not os.path.getsize(samples) > 128:
            fail(f"no draws in {samples}")
        with open(metrics) as f:
            lines = [json.loads(x) for x in f if x.strip()]
        if not lines:
            fail(f"no metrics in {metrics}")

        # The traces, gathered as a user would after the run.
        gathered = os.path.join(work, "gathered")
        os.makedirs(os.path.join(gathered, "trace"), exist_ok=True)
        shutil.copy(os.path.join(out["host-c"], "config.toml"), gathered)
        for h in hosts:
            tdir = os.path.join(out[h], "trace")
            for name in os.listdir(tdir):
                shutil.copy(os.path.join(tdir, name), os.path.join(gathered, "trace", name))
        summ = subprocess.run([sgmc, "trace", "summary", gathered, "--json"], capture_output=True,
                              text=True)
        if summ.returncode != 0:
            fail(f"trace summary failed: {summ.stderr}")
        s = json.loads(summ.stdout)
        nodes = {n["node"] for n in s["nodes"]}
        if len(nodes) != 4:
            fail(f"expected the traces of 4 nodes, got {sorted(nodes)}")
        between = [l for l in s["links"] if l["from"] != l["to"] and l["messages"] > 0]
        pairs = {(l["from"], l["to"]) for l in between}
        if cut:
            # Lost and back: the summary says when; worker 1's pushes were applied again after
            # its rejoin (more of them than it had computed before it).
            if not re.search(r"; worker 1 lost at [0-9.]+ s, rejoined at [0-9.]+ s", master_out):
                fail(f"the master's summary does not say when worker 1 was lost and rejoined: "
                     f"{master_out!r}")
            if "lost: worker 1" in master_out:
                fail(f"the master's summary counts worker 1 as lost at the end: {master_out!r}")
            w1 = results[2][1] + results[2][2]
            before = re.search(r"worker 1: rejoined the run \(from gradient (\d+)\)", w1)
            applied_m = re.search(r"updates applied \d+ \((\d+) (\d+)\)", master_out)
            if not before or not applied_m:
                fail(f"no rejoin line from worker 1 or no applied counts: {w1!r} {master_out!r}")
            if int(applied_m.group(2)) <= int(before.group(1)):
                fail(f"worker 1 had {before.group(1)} gradients before its rejoin and "
                     f"{applied_m.group(2)} updates applied in all: none after the rejoin")
            print(f"netns_cluster: worker 1: {before.group(1)} gradients before the rejoin, "
                  f"{applied_m.group(2)} updates applied")
        for w in ("worker 0", "worker 1"):
            if ("master 0", w) not in pairs or (w, "master 0") not in pairs:
                fail(f"no messages both ways between master 0 and {w}: {sorted(pairs)}")
        paired = sum(l.get("paired", 0) for l in between)
        if paired == 0:
            fail("no receive was paired with its send across the hosts")
        # Every applied update is counted on both sides: the master's applied pushes are the
        # workers' pushes that arrived (the run ended normally, so none was lost in flight).
        applied = sum(w["applied"] for w in s["workers"])
        if applied == 0:
            fail("the master applied no push")
        print(f"netns_cluster: ok{' (TLS)' if args.tls else ''}: 4 hosts on {cluster.net}.0/24, "
              f"{sum(l['messages'] for l in between)} messages between them "
              f"({paired} paired), {applied} pushes applied, {len(lines)} metric lines")
        return 0
    finally:
        cleanup()
        left = cluster.leftovers()
        if left:
            print(f"netns_cluster: FAIL: namespaces left behind: {left}", file=sys.stderr)
            sys.exit(1)
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
