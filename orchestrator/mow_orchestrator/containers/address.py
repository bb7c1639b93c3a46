"""Address backend: model servers that are already running somewhere else."""

from __future__ import annotations

from ..client import ModelClient
from ..errors import ModelStartError
from ._base import Backend, RunningModel


class AddressBackend(Backend):
    """Connect worker N to ``addresses[N]``; starts and stops nothing but the channel."""

    def __init__(self, addresses: list[str], *, start_timeout_s: float = 10.0) -> None:
        self.addresses = addresses
        self.start_timeout_s = start_timeout_s

    def start(self, worker: int) -> RunningModel:
        if worker >= len(self.addresses):
            raise ModelStartError(
                f"backend.addresses: worker {worker} has no address; give one per worker ({len(self.addresses)} given)"
            )
        address = self.addresses[worker]
        client = ModelClient(address)
        try:
            client.wait_serving(self.start_timeout_s)
        except ModelStartError:
            client.close()
            raise ModelStartError(
                f"backend.addresses: no model server is serving at {address!r} (is it running?)"
            ) from None
        return RunningModel(worker, client, f"address {address}")

    def stop(self, model: RunningModel) -> None:
        model.client.close()
