"""Tooling around the program: stacks through the Automation API."""
