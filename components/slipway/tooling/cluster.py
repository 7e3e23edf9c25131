"""The local Kubernetes cluster on loopback that the dev stack deploys to (`slipway cluster`).

A real control plane — etcd, kube-apiserver (TLS, RBAC, the default admission plugins with
PodSecurity, service-account token signing), kube-controller-manager and kube-scheduler — built
from Go modules by `toolchain/cluster/build.sh` and run by kwokctl's binary runtime, on
127.0.0.1 ports kwokctl picks free. kwok plays the kubelets of six nodes in three zones
(cluster_nodes.py) through the stages in `toolchain/cluster/kwok.yaml`.

Everything a cluster owns lives under one folder of the project, `.slipway/cluster/` (ignored by
git): the kubeconfig with its context (named after the cluster), kwokctl's work dir (etcd data,
PKI, logs, pid files) and `state.json`, which records the pid and binary of every process `up`
started, so `down` stops exactly those and nothing else.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .cluster_crds import vendored_crds
from .cluster_nodes import node_manifests

CLUSTER_NAME = "slipway-local"
STATE_DIR = Path(".slipway") / "cluster"
BUILD_SCRIPT = Path("toolchain") / "cluster" / "build.sh"
KWOK_CONFIG = Path("toolchain") / "cluster" / "kwok.yaml"
COMPONENTS = ("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler",
              "kwok-controller")
READY_TIMEOUT_S = 120

Log = Callable[[str], None]


class ClusterError(RuntimeError):
    """The cluster could not be started, reached or stopped; the message says why and where."""


def _stderr(line: str) -> None:
    sys.stderr.write(f"{line}\n")
    sys.stderr.flush()


@dataclass(frozen=True)
class Process:
    """One process the cluster runs."""

    component: str
    pid: int
    binary: str
    alive: bool = False
    listens: tuple[str, ...] = ()  # "address:port" of every listening TCP socket


@dataclass(frozen=True)
class ClusterStatus:
    name: str
    state: str  # running | degraded | stopped | absent
    server: str | None
    kubeconfig: str
    context: str
    processes: tuple[Process, ...] = ()
    nodes_ready: int = 0
    seconds: float = 0.0
    action: str = "none"  # what `up` did: none | created | restarted | finished (set-up)
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def running(self) -> bool:
        return self.state == "running"

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["processes"] = [asdict(p) for p in self.processes]
        return data


def build_binaries(project_dir: Path, log: Log = _stderr) -> Path:
    """The cached bin dir of the cluster binaries (built from Go modules on first use)."""
    script = project_dir / BUILD_SCRIPT
    if not script.is_file():
        raise ClusterError(f"{script}: not found; run from the Slipway project (--project-dir)")
    result = subprocess.run(["bash", str(script)], stdout=subprocess.PIPE, stderr=None,
                            text=True, check=False)
    if result.returncode != 0:
        raise ClusterError(f"{BUILD_SCRIPT} failed (exit {result.returncode}); its log is above")
    bin_dir = Path(result.stdout.strip().splitlines()[-1])
    if not (bin_dir / "kwokctl").is_file():
        raise ClusterError(f"{BUILD_SCRIPT} printed {bin_dir}, which has no kwokctl")
    return bin_dir


def _alive(pid: int, binary: str) -> bool:
    """The pid runs `binary` (a recycled pid running something else is not ours)."""
    try:
        exe = os.readlink(f"/proc/{pid}/exe")
    except OSError:
        return False
    return Path(exe.removesuffix(" (deleted)")).name == Path(binary).name


def _address(hex_address: str) -> str:
    """/proc/net/tcp's address (little-endian hex IPv4, or IPv6) as text."""
    host, port = hex_address.rsplit(":", 1)
    if len(host) == 8:
        ip = ".".join(str(int(host[i:i + 2], 16)) for i in (6, 4, 2, 0))
    else:
        ip = "[::1]" if host == "00000000000000000000000001000000" else (
            "[::]" if set(host) == {"0"} else f"[{host}]")
    return f"{ip}:{int(port, 16)}"


def _listening_ports(pid: int) -> tuple[str, ...]:
    """Addresses the process listens on (TCP), from /proc (no external tool)."""
    inodes = set()
    try:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
    except OSError:
        return ()
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            parts = line.split()
            if parts[3] == "0A" and parts[9] in inodes:  # 0A: LISTEN
                ports.add(_address(parts[1]))
    return tuple(sorted(ports))


class LocalCluster:
    """One local cluster: `up`, `down` and `status` over the files under `root`."""

    def __init__(self, project_dir: Path, name: str = CLUSTER_NAME,
                 root: Path | None = None) -> None:
        self.project_dir = project_dir.resolve()
        self.name = name
        self.root = (root or self.project_dir / STATE_DIR).resolve()

    # ---- where things are -------------------------------------------------------------------
    @property
    def kubeconfig(self) -> Path:
        return self.root / "kubeconfig"

    @property
    def context(self) -> str:
        return self.name

    @property
    def workdir(self) -> Path:
        return self.root / "kwok"

    @property
    def cluster_dir(self) -> Path:
        return self.workdir / "clusters" / self.name

    @property
    def state_file(self) -> Path:
        return self.root / "state.json"

    def _env(self) -> dict[str, str]:
        return {**os.environ, "KWOK_WORKDIR": str(self.workdir)}

    # ---- commands ---------------------------------------------------------------------------
    def _run(self, argv: list[str], what: str, timeout: float = 300,
             stdin: str | None = None, env: dict[str, str] | None = None) -> str:
        try:
            result = subprocess.run(argv, env={**self._env(), **(env or {})}, input=stdin,
                                    capture_output=True, text=True, timeout=timeout,
                                    check=False, start_new_session=True)
        except subprocess.TimeoutExpired:
            raise ClusterError(f"{what}: no answer after {timeout:.0f} s "
                               f"(logs: {self.cluster_dir / 'logs'})") from None
        if result.returncode != 0:
            detail = (result.stderr or result.stdout).strip().splitlines()[-15:]
            raise ClusterError(f"{what} failed (exit {result.returncode}):\n  "
                               + "\n  ".join(detail))
        return result.stdout

    def _kubectl(self, bin_dir: Path, *args: str, what: str, timeout: float = 120,
                 stdin: str | None = None) -> str:
        return self._run([str(bin_dir / "kubectl"), "--kubeconfig", str(self.kubeconfig),
                          "--context", self.context, *args], what, timeout, stdin)

    def _kwokctl(self, bin_dir: Path, *args: str, what: str, timeout: float = 300) -> str:
        # kwokctl must never download a binary: every one it may need is ours.
        return self._run([str(bin_dir / "kwokctl"), "--name", self.name, *args], what, timeout,
                         env={"KWOK_KUBECTL_BINARY": str(bin_dir / "kubectl")})

    # ---- state ------------------------------------------------------------------------------
    def _read_state(self) -> dict[str, Any]:
        try:
            data: dict[str, Any] = json.loads(self.state_file.read_text())
            return data
        except (OSError, ValueError):
            return {}

    def _pids_from_kwokctl(self, bin_dir: Path) -> list[Process]:
        """The processes kwokctl started, from its pid files."""
        found = []
        for component in COMPONENTS:
            pid_file = self.cluster_dir / "pids" / f"{component}.pid"
            try:
                pid = int(pid_file.read_text().strip())
            except (OSError, ValueError):
                continue
            # kwokctl links bin/<component> to our binary; the kernel reports the target.
            binary = os.path.realpath(self.cluster_dir / "bin" / component)
            found.append(Process(component, pid, binary))
        return found

    def _write_state(self, bin_dir: Path, processes: list[Process], server: str,
                     ready: bool) -> None:
        self.state_file.write_text(json.dumps({
            "name": self.name, "server": server, "binDir": str(bin_dir), "ready": ready,
            "kubeconfig": str(self.kubeconfig), "context": self.context,
            "processes": [{"component": p.component, "pid": p.pid, "binary": p.binary}
                          for p in processes],
            "startedAt": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }, indent=2) + "\n")

    def _recorded(self) -> list[Process]:
        return [Process(p["component"], int(p["pid"]), p["binary"])
                for p in self._read_state().get("processes", [])]

    # ---- status -----------------------------------------------------------------------------
    def status(self, *, probe: bool = True) -> ClusterStatus:
        """What runs where. Fast: pid checks, /proc and one /readyz request."""
        state = self._read_state()
        processes = tuple(
            Process(p.component, p.pid, p.binary, alive=_alive(p.pid, p.binary),
                    listens=_listening_ports(p.pid) if _alive(p.pid, p.binary) else ())
            for p in self._recorded())
        base = dict(name=self.name, server=state.get("server"),
                    kubeconfig=str(self.kubeconfig), context=self.context,
                    processes=processes)
        if not state:
            exists = self.cluster_dir.exists()
            return ClusterStatus(state="stopped" if exists else "absent", **base)  # type: ignore[arg-type]
        alive = [p for p in processes if p.alive]
        if not alive:
            return ClusterStatus(state="stopped", **base)  # type: ignore[arg-type]
        if len(alive) < len(processes) or not probe:
            return ClusterStatus(state="degraded" if len(alive) < len(processes) else "running",
                                 **base)  # type: ignore[arg-type]
        bin_dir = Path(state.get("binDir", ""))
        try:
            self._kubectl(bin_dir, "get", "--raw", "/readyz", what="kube-apiserver /readyz",
                          timeout=10)
        except ClusterError as err:
            return ClusterStatus(state="degraded", notes=(str(err),), **base)  # type: ignore[arg-type]
        return ClusterStatus(state="running", **base)  # type: ignore[arg-type]

    # ---- up ---------------------------------------------------------------------------------
    def up(self, log: Log = _stderr) -> ClusterStatus:
        """Start the cluster unless it runs; idempotent. Returns its status and the time taken."""
        start = time.monotonic()
        current = self.status()
        if current.running and self._read_state().get("ready"):
            nodes = self._nodes_ready(Path(self._read_state()["binDir"]))
            return _with(current, seconds=time.monotonic() - start, nodes_ready=nodes)
        bin_dir = build_binaries(self.project_dir, log)
        self.root.mkdir(parents=True, exist_ok=True)
        if current.running:
            log(f"cluster {self.name}: running; finishing its set-up")
            action = "finished"
        elif (self.cluster_dir / "kwok.yaml").is_file():
            # Stopped (reboot, a killed process): restart every component on the same data, so
            # what the stacks deployed is still there.
            log(f"cluster {self.name}: {current.state}; restarting it on its data")
            self._stop_processes(self._recorded(), log)
            self._kwokctl(bin_dir, "stop", "cluster", what="kwokctl stop cluster", timeout=120)
            self._kwokctl(bin_dir, "start", "cluster", "--timeout", f"{READY_TIMEOUT_S}s",
                          "--wait", f"{READY_TIMEOUT_S}s", what="kwokctl start cluster",
                          timeout=READY_TIMEOUT_S + 30)
            # The node leases still name the kwok that ran before; the new one would manage
            # no pod until they expire (minutes). It makes fresh ones.
            self._kubectl(bin_dir, "delete", "leases", "--all", "-n", "kube-node-lease",
                          what="releasing the old node leases", timeout=60)
            action = "restarted"
        else:
            log(f"cluster {self.name}: creating it (control plane on 127.0.0.1, "
                f"data in {self.root})")
            self._create(bin_dir)
            action = "created"
        processes = self._pids_from_kwokctl(bin_dir)
        server = self._server()
        self._write_state(bin_dir, processes, server, ready=False)  # down finds them even now
        self._install(bin_dir, log)
        self._write_state(bin_dir, processes, server, ready=True)
        nodes = self._nodes_ready(bin_dir)
        status = self.status()
        if not status.running:
            raise ClusterError(f"cluster {self.name} is {status.state} after start "
                               f"(logs: {self.cluster_dir / 'logs'})")
        return _with(status, seconds=time.monotonic() - start, nodes_ready=nodes, action=action)

    def _create(self, bin_dir: Path) -> None:
        scratch = self.root / "kwokctl.kubeconfig"  # kwokctl's own copy; never ~/.kube/config
        self._kwokctl(
            bin_dir, "create", "cluster",
            "--config", str(self.project_dir / KWOK_CONFIG),
            "--kube-apiserver-binary", str(bin_dir / "kube-apiserver"),
            "--kube-controller-manager-binary", str(bin_dir / "kube-controller-manager"),
            "--kube-scheduler-binary", str(bin_dir / "kube-scheduler"),
            "--kwok-controller-binary", str(bin_dir / "kwok"),
            "--etcd-binary", str(bin_dir / "etcd"),
            "--kubeconfig", str(scratch),
            "--timeout", f"{READY_TIMEOUT_S}s", "--wait", f"{READY_TIMEOUT_S}s",
            what="kwokctl create cluster", timeout=READY_TIMEOUT_S + 60)
        # Our kubeconfig: one cluster, one user, one context named after the cluster.
        config = yaml.safe_load(scratch.read_text())
        theirs = f"kwok-{self.name}"
        for entry in config.get("contexts", []):
            if entry["name"] == theirs:
                entry["name"] = self.context
        if config.get("current-context") == theirs:
            config["current-context"] = self.context
        self.kubeconfig.write_text(yaml.safe_dump(config, sort_keys=False))
        self.kubeconfig.chmod(0o600)

    def _server(self) -> str:
        config = yaml.safe_load(self.kubeconfig.read_text())
        return str(config["clusters"][0]["cluster"]["server"])

    def _install(self, bin_dir: Path, log: Log) -> None:
        """Nodes and CRDs (server-side apply: idempotent, and no size limit on annotations)."""
        documents = [*node_manifests(), *vendored_crds()]
        manifest = yaml.dump_all(documents, Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper))
        self._kubectl(bin_dir, "apply", "--server-side", "--force-conflicts",
                      "--field-manager", "slipway-cluster", "-f", "-",
                      what="installing nodes and CRDs", stdin=manifest, timeout=180)
        self._kubectl(bin_dir, "wait", "--for", "condition=Established", "crd", "--all",
                      "--timeout", "60s", what="waiting for CRDs", timeout=90)
        self._kubectl(bin_dir, "wait", "--for", "condition=Ready", "node", "--all",
                      "--timeout", "60s", what="waiting for nodes", timeout=90)
        # The token controller must have made the default ServiceAccount before pods can run.
        deadline = time.monotonic() + 60
        while True:
            try:
                self._kubectl(bin_dir, "get", "serviceaccount", "default", "-n", "default",
                              "-o", "name", what="default ServiceAccount", timeout=10)
                return
            except ClusterError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)

    def _nodes_ready(self, bin_dir: Path) -> int:
        out = self._kubectl(bin_dir, "get", "nodes", "-o", "json", what="listing nodes",
                            timeout=20)
        nodes = json.loads(out).get("items", [])
        return sum(1 for n in nodes for c in n.get("status", {}).get("conditions", [])
                   if c["type"] == "Ready" and c["status"] == "True")

    # ---- down -------------------------------------------------------------------------------
    def down(self, log: Log = _stderr) -> list[Process]:
        """Stop exactly the processes `up` started (by pid) and remove the cluster's data."""
        recorded = self._recorded()
        state = self._read_state()
        bin_dir = Path(state.get("binDir", ""))
        if (bin_dir / "kwokctl").is_file() and self.cluster_dir.exists():
            try:
                self._kwokctl(bin_dir, "delete", "cluster", "--kubeconfig",
                              str(self.root / "kwokctl.kubeconfig"),
                              what="kwokctl delete cluster", timeout=120)
            except ClusterError as err:
                log(f"{err}; stopping the recorded processes by pid")
        stopped = self._stop_processes(recorded, log)
        if self.root.exists():
            shutil.rmtree(self.root)
        return stopped

    def _stop_processes(self, processes: list[Process], log: Log) -> list[Process]:
        """SIGTERM, then SIGKILL after 10 s, each recorded pid still running its binary."""
        running = [p for p in processes if _alive(p.pid, p.binary)]
        for p in running:
            log(f"stopping {p.component} (pid {p.pid})")
            os.kill(p.pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        while any(_alive(p.pid, p.binary) for p in running) and time.monotonic() < deadline:
            time.sleep(0.1)
        for p in running:
            if _alive(p.pid, p.binary):
                log(f"{p.component} (pid {p.pid}) ignored SIGTERM; killing it")
                os.kill(p.pid, signal.SIGKILL)
        return processes


def _with(status: ClusterStatus, **changes: Any) -> ClusterStatus:
    values: Mapping[str, Any] = {**asdict(status), **changes}
    values = {**values, "processes": status.processes}
    return ClusterStatus(**values)


def describe(status: ClusterStatus) -> list[str]:
    """Human lines for `slipway cluster status`."""
    lines = [f"cluster {status.name}: {status.state}"]
    if status.server:
        lines.append(f"  api server  {status.server}")
    lines.append(f"  kubeconfig  {status.kubeconfig} (context {status.context})")
    for p in status.processes:
        where = ", ".join(p.listens) or "-"
        state = "running" if p.alive else "not running"
        lines.append(f"  {p.component:<24} pid {p.pid:<8} {state:<12} {where}")
    if status.nodes_ready:
        lines.append(f"  nodes ready {status.nodes_ready}")
    lines += [f"  note: {n}" for n in status.notes]
    return lines
