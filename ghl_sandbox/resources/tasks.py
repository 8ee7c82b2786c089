"""Tasks: a contact's (list, get, create, update, complete, delete) and a location's search.

HighLevel serves tasks per contact and unpaged (the list declares no paging parameters
and returns every task), which is why connectors fan out one request per contact. Bodies
are checked against the spec DTOs (``CreateTaskParams``, ``UpdateTaskBody``,
``UpdateTaskStatusParams``). Creates answer 201 and are counted in ``/_sandbox/stats`` so
tests can prove a replayed load made no duplicates. Task writes do not move the contact's
``dateUpdated`` (a task is not a contact field).

``POST /locations/{locationId}/tasks/search`` (locations spec) serves the same records,
same ids, location-wide, offset paged with ``skip``/``limit`` over a stable order.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ghl_sandbox import errors
from ghl_sandbox.clock import parse_instant
from ghl_sandbox.model.children import StoredTask
from ghl_sandbox.model.lookups import contact_children, location, task_of
from ghl_sandbox.model.store import Location
from ghl_sandbox.registry import ChildKind, Family
from ghl_sandbox.request_validation import validate_body
from ghl_sandbox.routing import ApiRequest, ApiResponse, Route
from ghl_sandbox.webhooks import payloads as webhook

if TYPE_CHECKING:
    from ghl_sandbox.runtime import SandboxRuntime

DAY_MS = 86_400_000
#: ``TaskSearchParamsDto.limit`` default; the spec declares no maximum.
SEARCH_DEFAULT_LIMIT = 25


def list_tasks(runtime: SandboxRuntime, request: ApiRequest) -> ApiResponse:
    location_id, children = contact_children(runtime, request)
    body = {"tasks": [t.to_api() for t in children.tasks.values()]}
    return ApiResponse(200, body, location_id=location_id)


def get_task(runtime: SandboxRuntime, request: ApiRequest) -> ApiResponse:
    location_id, children = contact_children(runtime, request)
    body = {"task": task_of(children, request).to_api()}
    return ApiResponse(200, body, location_id=location_id)


def _due_ms(value: Any) -> int:
    try:
        return parse_instant(value)
    except (ValueError, TypeError):
        raise errors.unprocessable("dueDate must be a valid ISO 8601 date string") from None


def _apply_task(task: StoredTask, body: dict[str, Any]) -> None:
    if "title" in body:
        task.title = body["title"]
    if "body" in body:
        task.body = body["body"] or ""
    if "dueDate" in body:
        task.due_ms = _due_ms(body["dueDate"])
    if "completed" in body:
        task.completed = bool(body["completed"])
    if "assignedTo" in body:
        task.assigned_to = body["assignedTo"]


def create_task(runtime: SandboxRuntime, request: ApiRequest) -> ApiResponse:
    body = validate_body("CreateTaskParams", request.body)
    due = _due_ms(body["dueDate"])
    location_id, children = contact_children(runtime, request)
    task = StoredTask(runtime.writes.new_id(), request.path_params["contactId"], "", "", due, False)
    _apply_task(task, body)
    children.tasks[task.id] = task
    runtime.writes.count_create("tasks")
    webhook.task(runtime, "TaskCreate", location_id, task)
    return ApiResponse(201, {"task": task.to_api()}, location_id=location_id)


def update_task(runtime: SandboxRuntime, request: ApiRequest) -> ApiResponse:
    body = validate_body("UpdateTaskBody", request.body)
    location_id, children = contact_children(runtime, request)
    task = task_of(children, request)
    _apply_task(task, body)
    if body.get("completed") is True:  # HighLevel has no TaskUpdate event
        webhook.task(runtime, "TaskComplete", location_id, task)
    return ApiResponse(200, {"task": task.to_api()}, location_id=location_id)


def complete_task(runtime: SandboxRuntime, request: ApiRequest) -> ApiResponse:
    body = validate_body("UpdateTaskStatusParams", request.body)
    location_id, children = contact_children(runtime, request)
    task = task_of(children, request)
    task.completed = bool(body["completed"])
    if task.completed:  # HighLevel has TaskComplete, no "reopened" event
        webhook.task(runtime, "TaskComplete", location_id, task)
    return ApiResponse(200, {"task": task.to_api()}, location_id=location_id)


def delete_task(runtime: SandboxRuntime, request: ApiRequest) -> ApiResponse:
    location_id, children = contact_children(runtime, request)
    task = task_of(children, request)
    del children.tasks[task.id]
    webhook.task(runtime, "TaskDelete", location_id, task)
    return ApiResponse(200, {"succeded": True}, location_id=location_id)


def _whole_number(body: dict[str, Any], name: str, default: int, least: int) -> int:
    value = body.get(name, default)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int) or value < least:
        raise errors.unprocessable(f"{name} must not be less than {least}")
    return value


def _any_of(body: dict[str, Any], name: str) -> set[str] | None:
    """An ``any of`` filter; absent or empty means no filter."""
    values = body.get(name)
    return set(values) if values else None


def search_tasks(runtime: SandboxRuntime, request: ApiRequest) -> ApiResponse:
    """The location's tasks matching the filters, ``skip``/``limit`` paged in a stable order.

    The order is the store's natural one, as a database scan gives it: contacts in creation
    order, each contact's tasks in creation order. Pages are stable slices of it; a task
    added to an older contact shifts later pages, as on any skip/limit listing.
    Guesses (undocumented): that order; ``query`` is a case-insensitive substring of
    title or body; ``businessId`` keeps tasks of contacts linked to that business; an
    empty ``contactId``/``assignedTo`` list is no filter. Each task is ``TaskSchema``
    plus its ``locationId``.
    """
    body = validate_body("TaskSearchParamsDto", request.body, spec="locations")
    owner = location(runtime, request.path_params["locationId"])
    limit = runtime.served_page_size(_whole_number(body, "limit", SEARCH_DEFAULT_LIMIT, 1))
    skip = _whole_number(body, "skip", 0, 0)
    contact_ids = _any_of(body, "contactId")
    business = body.get("businessId")
    keep = _task_filter(body)
    wanted = skip + limit
    found: list[StoredTask] = []
    for contact_id, contact in owner.contacts.items():
        if contact_ids is not None and contact_id not in contact_ids:
            continue
        if business and contact.fields.get("businessId") != business:
            continue
        tasks = owner.children(contact_id).tasks.values()
        found.extend(tasks if keep is None else filter(keep, tasks))
        if len(found) >= wanted:  # later contacts cannot change this page
            break
    page = [{**task.to_api(), "locationId": owner.id} for task in found[skip:wanted]]
    return ApiResponse(200, {"tasks": page}, location_id=owner.id)


def _task_filter(body: dict[str, Any]) -> Callable[[StoredTask], bool] | None:
    """The task-level filters of a search body (``completed``, ``assignedTo``, ``query``);
    None when there are none, so a plain scan pays no call per task."""
    assigned = _any_of(body, "assignedTo")
    completed = body.get("completed")
    query = (body.get("query") or "").strip().lower()
    if assigned is None and completed is None and not query:
        return None

    def keep(task: StoredTask) -> bool:
        return (
            (completed is None or task.completed == completed)
            and (assigned is None or task.assigned_to in assigned)
            and (not query or query in f"{task.title}\n{task.body}".lower())
        )

    return keep


# -- /_sandbox/touch-children ------------------------------------------------------------


def _admin_task(
    task_id: str, contact_id: str, _: Location, user: str | None, stamp: int
) -> StoredTask:
    return StoredTask(
        task_id, contact_id, "Admin follow-up", "Added by the sandbox admin API.",
        stamp + 7 * DAY_MS, False, user,
    )  # fmt: skip


def _toggle_completed(task: StoredTask, _: int) -> None:
    task.completed = not task.completed


FAMILY = Family(
    name="tasks",
    routes=(
        Route("GET", "/contacts/{contactId}/tasks", list_tasks),
        Route("GET", "/contacts/{contactId}/tasks/{taskId}", get_task),
        Route("POST", "/contacts/{contactId}/tasks", create_task, creates="tasks"),
        Route("PUT", "/contacts/{contactId}/tasks/{taskId}", update_task),
        Route("PUT", "/contacts/{contactId}/tasks/{taskId}/completed", complete_task),
        Route("DELETE", "/contacts/{contactId}/tasks/{taskId}", delete_task),
        Route("POST", "/locations/{locationId}/tasks/search", search_tasks),
    ),
    child_kind=ChildKind("tasks", lambda c: c.tasks, _admin_task, _toggle_completed),
)
