"""``GET /api/v1/me/tasks``: the caller's to-do list, as the ``/home`` page shows it."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request

from mall.accounts.models import User
from mall.accounts.permissions import api_guard
from mall.apidoc import documented
from mall.db import db
from mall.home import serializers, services
from mall.home.schemas import TasksQuerySchema, TasksSchema
from mall.http import load

api = Blueprint("home_api", __name__, url_prefix="/api/v1")


@api.get("/me/tasks")
@documented(query=TasksQuerySchema, responses={200: TasksSchema})
@api_guard()
def my_tasks(user: User) -> Any:
    """What waits for the caller, one section per queue their roles give them (approver,
    buyer, supplier admin, center admin, expert, auditor), each with its count and its
    oldest items, every one scoped to the caller's organization."""
    args = load(TasksQuerySchema(), request.args.to_dict())
    sections = services.tasks_for(db.session(), user, args["per_section"])
    return jsonify(serializers.tasks_json(sections, user))
