"""One Singer stream out of many per-location tap processes.

The coordinator (``tap_ghl.agency``) runs one single-location tap per location; their
stdout lines arrive here, from several threads at once, and leave as one stream a target
can load:

* SCHEMA once per stream (every child sends the same one);
* RECORD passed through unchanged (each already carries its ``locationId``);
* STATE merged: ``{"locations": {locationId: <that child's latest state>}}``, written after
  every child STATE, so a coordinator killed at any point resumes each location from its
  own last state. Locations not run this time keep the state they came in with.
* ACTIVATE_VERSION held back until every location has finished. A target retires every row
  of the stream older than the version, whatever its location, so one location's message
  would retire the rows of locations still in their pass. It is written once per stream,
  with the LOWEST version of all locations (older than every row of this run's passes,
  newer than every row of earlier ones), and only if every location run completed its
  pass of that stream; otherwise it is withheld with a warning (deleted records are then
  retired on a later run where all passes complete).
"""

from __future__ import annotations

import json
import logging
import threading
from collections import Counter
from collections.abc import Iterable
from typing import Any, TextIO

logger = logging.getLogger("tap-ghl.agency")


class MergedOutput:
    """Thread-safe merge of the children's Singer messages onto one text stream."""

    def __init__(self, out: TextIO, incoming_state: dict[str, Any] | None) -> None:
        self._out = out
        self._lock = threading.Lock()
        self._schemas_sent: set[str] = set()
        locations = (incoming_state or {}).get("locations") or {}
        self.state: dict[str, Any] = {"locations": dict(locations)}
        #: stream -> {location id: version of its completed pass}
        self.activations: dict[str, dict[str, int]] = {}
        #: location id -> records passed through, per stream
        self.records: dict[str, Counter[str]] = {}
        self.unlabelled: Counter[str] = Counter()

    def state_of(self, location_id: str) -> dict[str, Any] | None:
        """The incoming state of one location (its child's ``--state``)."""
        value = self.state["locations"].get(location_id)
        return value if isinstance(value, dict) else None

    def handle(self, location_id: str, line: str) -> None:
        """One stdout line of ``location_id``'s tap."""
        if not line.strip():
            return
        message = json.loads(line)
        kind = message.get("type")
        with self._lock:
            if kind == "SCHEMA":
                if message["stream"] in self._schemas_sent:
                    return
                self._schemas_sent.add(message["stream"])
            elif kind == "RECORD":
                stream = message["stream"]
                self.records.setdefault(location_id, Counter())[stream] += 1
                if message.get("record", {}).get("locationId") != location_id:
                    self.unlabelled[stream] += 1
            elif kind == "STATE":
                self.state["locations"][location_id] = message["value"]
                self._write({"type": "STATE", "value": self.state})
                return
            elif kind == "ACTIVATE_VERSION":
                self.activations.setdefault(message["stream"], {})[location_id] = int(
                    message["version"]
                )
                return
            self._out.write(line if line.endswith("\n") else line + "\n")
            self._out.flush()

    def release_activations(self, locations_run: Iterable[str]) -> list[str]:
        """After every child ended: write the held ACTIVATE_VERSION messages that are safe.

        Returns the streams withheld (some location did not complete its pass)."""
        run = set(locations_run)
        withheld = []
        with self._lock:
            for stream, versions in sorted(self.activations.items()):
                missing = sorted(run - set(versions))
                if missing:
                    withheld.append(stream)
                    logger.warning(
                        "ACTIVATE_VERSION of '%s' withheld: locations %s did not complete "
                        "their pass, so records deleted in HighLevel are retired on a later run",
                        stream,
                        ", ".join(missing),
                    )
                    continue
                self._write(
                    {
                        "type": "ACTIVATE_VERSION",
                        "stream": stream,
                        "version": min(versions.values()),
                    }
                )
        return withheld

    def _write(self, message: dict[str, Any]) -> None:
        self._out.write(json.dumps(message, separators=(",", ":")) + "\n")
        self._out.flush()
