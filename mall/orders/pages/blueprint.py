"""The orders area's page blueprint; its routes live in the modules beside this one."""

from flask import Blueprint

pages = Blueprint("orders_pages", __name__)
