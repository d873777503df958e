"""Background jobs: poll ``/api/jobs/{id}`` for progress, then read the result."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from fastapi.responses import Response

from agent.models import Report

from ..errors import Conflict, HttpError
from ..jobs import Job
from ..state import State
from ._render import rendered

router = APIRouter(prefix="/api/jobs", tags=["jobs"])


@router.get("/{job_id}")
def get_job(state: State, job_id: str) -> Job:
    """Status (queued, running, done, failed), progress (done of total), result or error."""
    return state.jobs.get(job_id)


@router.get("/{job_id}/result")
def job_result(
    state: State,
    job_id: str,
    format: Literal["json", "md", "html"] = "json",
) -> Response:
    """A finished job's result; a report job's in the format asked for."""
    job = state.jobs.get(job_id)
    if job.status in ("queued", "running"):
        raise Conflict(f"job {job_id} is still {job.status}; poll /api/jobs/{job_id}")
    if job.status == "failed":
        error = job.error or {}
        exc = HttpError(str(error.get("message", "job failed")))
        exc.status = int(error.get("status", 500))
        raise exc
    if job.kind == "report":
        return rendered(Report.model_validate(job.result), format)
    return rendered(job.result, "json")
