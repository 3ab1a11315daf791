"""Process-execution events, as agents on web servers report them."""

from __future__ import annotations

from dataclasses import dataclass

from secmon.domain.wbd import ProcessFacts


@dataclass(frozen=True, slots=True)
class Ancestor:
    process_name: str | None = None
    process_arg: str | None = None
    executor: str | None = None


@dataclass(frozen=True, slots=True)
class ProcessEvent:
    """One process start. `process_arg` excludes argv[0]; times are epoch ms (UTC).

    `ancestors` lists the parent's parents, nearest first (the parent itself is in the
    `*_of_parent` fields).
    """

    time: int
    instance_no: str
    process_name: str
    process_arg: str | None = None
    executor: str | None = None
    process_id: int | None = None
    process_name_of_parent: str | None = None
    process_arg_of_parent: str | None = None
    executor_of_parent: str | None = None
    process_id_of_parent: int | None = None
    host_name: str | None = None
    exe_path: str | None = None
    cwd: str | None = None
    container_name: str | None = None
    ancestors: tuple[Ancestor, ...] = ()
    suspicious_ip: str | None = None

    @property
    def facts(self) -> ProcessFacts:
        return ProcessFacts(
            process_name=self.process_name,
            process_arg=self.process_arg,
            executor=self.executor,
            process_name_of_parent=self.process_name_of_parent,
            process_arg_of_parent=self.process_arg_of_parent,
            executor_of_parent=self.executor_of_parent,
        )

    @property
    def command(self) -> str:
        """The full command line: the process name and its arguments."""
        return f"{self.process_name} {self.process_arg}" if self.process_arg else self.process_name
