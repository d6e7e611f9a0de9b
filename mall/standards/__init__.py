"""Requirement standards (需求标准) and requirement checks."""
