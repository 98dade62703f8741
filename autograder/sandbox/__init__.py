"""Sandbox: the kernel manager (``kernel``), its launcher with resource limits and
bubblewrap namespaces (``limits``) and per-kernel control groups (``cgroups``). Imports
nothing else of ``autograder``.
"""
