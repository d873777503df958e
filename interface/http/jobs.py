"""Background jobs for long work (an ingest, an LLM report): submitted, then polled.

Jobs live in memory: a restart forgets them (the store keeps what they wrote)."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Literal

from pydantic import BaseModel, Field

from retrieval.errors import NotFoundError, ProfileAgentError

from .errors import Conflict, error_json, internal_body, internal_error_id

JobStatus = Literal["queued", "running", "done", "failed"]
KEEP_FINISHED = 200


class Job(BaseModel):
    id: str
    kind: Literal["ingest", "report"]
    key: str = Field(description="What the job works on (profile ids).")
    status: JobStatus = "queued"
    done: int = Field(0, description="Units done (chunks embedded for an ingest).")
    total: int | None = Field(None, description="Units in the job, once known.")
    message: str = ""
    result: Any = None
    error: dict[str, Any] | None = None
    created: float = Field(default_factory=time.time)
    finished: float | None = None


class Progress:
    """Handed to the job's function: ``progress(done, total)`` and ``progress.say(text)``."""

    def __init__(self, job: Job) -> None:
        self._job = job

    def __call__(self, done: int, total: int) -> None:
        self._job.done, self._job.total = done, total

    def say(self, message: str) -> None:
        self._job.message = message


class JobManager:
    def __init__(self, workers: int) -> None:
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="profile-agent-job")
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()

    def submit(
        self, kind: Literal["ingest", "report"], key: str, fn: Callable[[Progress], Any]
    ) -> Job:
        """Queue ``fn``; a second ingest of a profile still being ingested is a conflict."""
        with self._lock:
            busy = [
                j
                for j in self._jobs.values()
                if kind == "ingest"
                and j.kind == "ingest"
                and j.status in ("queued", "running")
                and set(j.key.split(",")) & set(key.split(","))
            ]
            if busy:
                raise Conflict(
                    f"profile {key!r} is being ingested by job {busy[0].id}; poll "
                    f"/api/jobs/{busy[0].id} and retry when it is done"
                )
            job = Job(id=uuid.uuid4().hex[:16], kind=kind, key=key)
            self._jobs[job.id] = job
            self._forget_old()
        self._pool.submit(self._run, job, fn)
        return job

    def _run(self, job: Job, fn: Callable[[Progress], Any]) -> None:
        job.status = "running"
        try:
            job.result = fn(Progress(job))
            job.status = "done"
        except ProfileAgentError as exc:
            job.error = error_json(exc)["error"]  # type: ignore[assignment]  # a dict by construction
            job.status = "failed"
        except Exception as exc:  # a job must end in a state a client can read
            request_id = internal_error_id(exc, f"{job.kind} job {job.id}")
            job.error = internal_body(request_id)["error"]  # type: ignore[assignment]  # a dict
            job.status = "failed"
        finally:
            job.finished = time.time()

    def get(self, job_id: str) -> Job:
        job = self._jobs.get(job_id)
        if job is None:
            raise NotFoundError(f"no job {job_id!r} (jobs are kept in memory until a restart)")
        return job

    def _forget_old(self) -> None:
        finished = sorted(
            (j for j in self._jobs.values() if j.finished is not None), key=lambda j: j.created
        )
        for job in finished[: max(0, len(finished) - KEEP_FINISHED)]:
            del self._jobs[job.id]

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
