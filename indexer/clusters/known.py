"""An indexer's copy of the indexed documents' bands (``BandIndex``), kept current with the index.

At the first batch it reads every sketched document's signature and size from the index. Before
each later batch it reads the documents other indexers wrote (``indexed_by``) whose ``indexed_at``
has just passed ``margin`` ago: each is read once, in the window between the last such read and now.
Documents it writes itself are added after their write (``written``). When the alias comes to point
at another index (``reprocess`` swapped it), the copy is read again from the new one. A copy written
by another indexer less than ``margin`` ago is not known yet, and is what ``RepostClusters.settle``
finds with a search once the batch is written, as it did before this copy existed. Indexers' clocks
must agree within ``margin``, as settle already needed.

A write that another indexer stamped more than ``margin`` before it became searchable (a batch held
back by an engine outage longer than that) is found by settle on that indexer's side against what
was written until then, and by this copy only when the indexer reads the index again at its next
start.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta
from typing import Any

import numpy as np

from indexer.clusters.band_index import BandIndex, Candidates
from indexer.clusters.sketch import SKETCH_FIELD, Sketch, unpack_hashes
from indexer.engine import Engine
from policyradar.metrics import REPOST_DOCUMENTS_KNOWN

log = logging.getLogger(__name__)

READ_PAGE = 5000
ALIAS_CHECK_SECONDS = 30.0  # how often the index behind the alias is looked up (reprocess swaps it)
PROGRESS_EVERY = 50_000
_SIGNATURE = f"{SKETCH_FIELD}.signature"
_SIZE = f"{SKETCH_FIELD}.size"
_FIELDS = ["id", "detected_language", _SIGNATURE, _SIZE]


class KnownDocuments:
    def __init__(self, engine: Engine, index: str, writer: str, margin: timedelta) -> None:
        """``writer``: the ``indexed_by`` of this indexer's writes; ``margin``: how long after its
        ``indexed_at`` another indexer's write is read (the settle margin)."""
        self.engine = engine
        self.index = index
        self.writer = writer
        self.margin = margin
        self.bands = BandIndex()
        self._read_up_to: datetime | None = None
        self._targets: tuple[str, ...] = ()  # the concrete index(es) the copy was read from
        self._next_check = 0.0

    def __len__(self) -> int:
        return len(self.bands)

    def sync(self, now: datetime) -> None:
        """Read what this copy lacks: the whole index the first time, then others' writes that
        became older than the margin since the last call."""
        if self._read_up_to is not None and self._index_swapped():
            self._read_up_to = None  # reprocess wrote another index: its documents are all new here
        if self._read_up_to is None:
            self._read_all(now)
        else:
            self._read_others(self._read_up_to, now - self.margin)
        REPOST_DOCUMENTS_KNOWN.set(len(self.bands))

    def _index_swapped(self) -> bool:
        """Whether the alias now points at another index than the one read (looked up every
        ``ALIAS_CHECK_SECONDS``)."""
        if time.monotonic() < self._next_check:
            return False
        self._next_check = time.monotonic() + ALIAS_CHECK_SECONDS
        targets = self._resolve()
        if targets == self._targets:
            return False
        log.info(
            "repost clusters: %s now points at %s; reading its bands again", self.index, ", ".join(targets)
        )
        return True

    def _resolve(self) -> tuple[str, ...]:
        return tuple(self.engine.alias_targets(self.index)) or (self.index,)

    def _read_others(self, since: datetime, upper: datetime) -> None:
        """Other indexers' writes stamped from ``since`` until before ``upper``."""
        if upper <= since:
            return
        window = {"range": {"indexed_at": {"gte": since.isoformat(), "lt": upper.isoformat()}}}
        query = {"bool": {"filter": [window], "must_not": [{"term": {"indexed_by": self.writer}}]}}
        read = self._read(query, sort=[{"indexed_at": "asc"}, {"id": "asc"}])
        if read:
            log.debug("read the bands of %d document(s) other indexers wrote", read)
        self._read_up_to = upper

    def written(self, sketched: list[tuple[str, Sketch]]) -> None:
        """Documents this indexer has just written, by id."""
        if sketched:
            self.bands.add(
                [doc_id for doc_id, _ in sketched],
                [sketch.language for _, sketch in sketched],
                np.stack([sketch.signature for _, sketch in sketched]),
                [sketch.size for _, sketch in sketched],
            )
            REPOST_DOCUMENTS_KNOWN.set(len(self.bands))

    def candidates(self, sketches: list[Sketch], limit: int) -> Candidates:
        signatures = np.stack([s.signature for s in sketches]) if sketches else np.zeros((0, 0), np.uint32)
        return self.bands.candidates([s.language for s in sketches], signatures, limit)

    def _read_all(self, now: datetime) -> None:
        """Every document with band hashes (those indexed before clusters existed have none). A read
        cut short by an outage starts again from nothing at the next batch."""
        started = time.monotonic()
        self.bands = BandIndex()
        self._targets = self._resolve()
        self._next_check = started + ALIAS_CHECK_SECONDS
        read = self._read({"exists": {"field": "lsh_bands"}}, sort=[{"id": "asc"}], progress=True)
        self._read_up_to = now - self.margin  # what was written meanwhile is read again: harmless
        log.info(
            "repost clusters: read the bands of %d indexed document(s) from %s in %.1f s",
            read,
            self.index,
            time.monotonic() - started,
        )

    def _read(self, query: dict[str, Any], sort: list[dict[str, str]], progress: bool = False) -> int:
        """Add every sketched document ``query`` finds (paged); returns how many. With ``progress``,
        logs how far it got every ``PROGRESS_EVERY`` documents (a large index takes minutes)."""
        body: dict[str, Any] = {
            "size": READ_PAGE,
            "_source": False,
            "docvalue_fields": _FIELDS,
            "query": query,
            "sort": sort,
        }
        read = 0
        while True:
            hits = self.engine.search(self.index, body)["hits"]["hits"]
            before, read = read, read + self._add_hits(hits)
            if progress and read // PROGRESS_EVERY > before // PROGRESS_EVERY:
                log.info("repost clusters: read the bands of %d documents so far", read)
            if len(hits) < READ_PAGE:
                return read
            body = {**body, "search_after": hits[-1]["sort"]}

    def _add_hits(self, hits: list[dict[str, Any]]) -> int:
        fields = [hit.get("fields") or {} for hit in hits]
        sketched = [f for f in fields if _SIGNATURE in f and "id" in f]
        if sketched:
            self.bands.add(
                [f["id"][0] for f in sketched],
                [(f.get("detected_language") or [""])[0] for f in sketched],
                np.stack([unpack_hashes(f[_SIGNATURE][0]) for f in sketched]),
                [int(f[_SIZE][0]) for f in sketched],
            )
        return len(sketched)
