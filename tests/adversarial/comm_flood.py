"""Flood widget (comm) messages carrying large state, which nbclient would store.

target: q5-one_hot
keep_reference: true
"""
from ipykernel.comm import Comm

_comm = Comm(target_name="jupyter.widget", data={"state": {"_model_module": "x"}})
for _ in range(200):
    _comm.send({"method": "update", "state": {"value": "s" * (4 * 1024 * 1024)}})
