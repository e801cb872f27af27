"""Write a parsed file to the database in one transaction: new documents added, changed ones updated
with their previous values kept in ``document_history``, unchanged ones left alone.

Every import is all-or-nothing: any error rolls the whole file back. The same file imported twice is
recognised by its content hash and changes nothing. Rows go in through the driver's bulk paths
(``executemany`` on SQLite, ``COPY`` on PostgreSQL), never one ORM object per row, so a million
documents load in seconds.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sqlalchemy import Table, bindparam, func, insert, select, update
from sqlalchemy.engine import Connection, Engine

from ims_core import audit, clock
from ims_core.audit import SYSTEM, Actor
from ims_core.db.bulk_write import Progress, bulk_insert, bulk_update
from ims_core.gst import gstin as gstin_rules
from ims_core.ingest.document import TAX, IngestError, ParsedImport, Problem
from ims_core.ingest.row_hashes import RowHashes
from ims_core.models import (
    DocumentHistory,
    ImportBatch,
    PortalDocument,
    PurchaseDocument,
    Recipient,
    Supplier,
)
from ims_core.models.base import net_signs

BOOK_KEY = ["recipient_gstin", "supplier_gstin", "doc_type", "doc_number", "fy", "occurrence"]
# A document can stand in a GSTR-2B both as available and in docRejdata (the portal's own v4 sample does)
PORTAL_KEY = ["recipient_gstin", "source", "section", "rejected_in_ims", "supplier_gstin", "doc_type",
              "doc_number", "fy"]
NOT_CONTENT = {"source_file", "source_row"}


@dataclass
class SectionCounts:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    taxable_paise: int = 0
    tax_paise: int = 0
    net_taxable_paise: int = 0  # credit notes count negative (ims_core.models.base: net totals)
    net_tax_paise: int = 0
    rejected: bool = False  # GSTR-2B's docRejdata: records rejected in IMS, never in the net total

    @property
    def total(self) -> int:
        return self.added + self.updated + self.unchanged


@dataclass
class ImportSummary:
    """What an import did (or, with ``dry_run``, would do)."""

    kind: str
    file_name: str
    recipient_gstin: str
    return_period: str
    sections: dict[str, SectionCounts]
    batch_id: int | None = None
    dry_run: bool = False
    previous_batch: int | None = None  # set when the same file was imported before
    warnings: list[str] = field(default_factory=list)

    def _sum(self, name: str, rejected: bool | None = None) -> int:
        return sum(getattr(c, name) for c in self.sections.values() if rejected in (None, c.rejected))

    @property
    def added(self) -> int:
        return self._sum("added")

    @property
    def updated(self) -> int:
        return self._sum("updated")

    @property
    def unchanged(self) -> int:
        return self._sum("unchanged")

    @property
    def total(self) -> int:
        return self._sum("total")

    @property
    def taxable_paise(self) -> int:
        """Net of credit notes, as the return's own summary shows it; without the records rejected in
        IMS (GSTR-2B v4's docRejdata), which are no credit, and which the portal's own v4 sample also
        lists as available: counting them would count such a document twice."""
        return self._sum("net_taxable_paise", rejected=False)

    @property
    def tax_paise(self) -> int:
        """Net of credit notes, without the records rejected in IMS (see :attr:`taxable_paise`)."""
        return self._sum("net_tax_paise", rejected=False)

    def counted(self, rejected: bool) -> SectionCounts:
        """The sections rejected in IMS (or all the others) added up."""
        parts = [c for c in self.sections.values() if c.rejected == rejected]
        return SectionCounts(**{name: sum(getattr(c, name) for c in parts) for name in
                                ("added", "updated", "unchanged", "taxable_paise", "tax_paise",
                                 "net_taxable_paise", "net_tax_paise")}, rejected=rejected)


@dataclass
class PreparedImport:
    """A parsed file with the columns the database keys and compares it by (:func:`prepare`): the
    loader's work that needs no database, which ``ims run`` has done before the database is free."""

    parsed: ParsedImport
    frame: pd.DataFrame  # the parser's frame and the derived columns
    constant: set[str]  # columns holding one value in every row (the bulk writer inlines them)


def prepare(parsed: ParsedImport) -> PreparedImport:
    """Derive the key and content columns (``fy``, ``supplier_pan``, ``occurrence`` or ``period_key``,
    ``content_hash``); refuse a portal file that lists one document twice in a section."""
    is_books = parsed.kind == "books"
    # a shallow copy: with pandas' copy-on-write, nothing done to it below reaches the parser's frame
    frame, hashes = _derive_columns(parsed.frame.copy(deep=False), is_books)
    if not is_books:
        plain = frame["rejected_in_ims"].dtype == bool  # else its hashes are of the unconverted values
        frame["rejected_in_ims"] = frame["rejected_in_ims"].astype(bool)
        if not (plain and hashes.surely_distinct(PORTAL_KEY)):
            _refuse_duplicate_keys(frame, PORTAL_KEY, parsed.file_name)
    return PreparedImport(parsed, frame, hashes.constant)


def load(engine: Engine, parsed: ParsedImport | PreparedImport, *, actor: Actor = SYSTEM,
         dry_run: bool = False, progress: Progress | None = None) -> ImportSummary:
    """Write ``parsed`` (:func:`prepare`-d here unless it was already) in one transaction and say what
    changed. ``dry_run`` rolls back at the end.

    The import is recorded in the audit trail inside the same transaction, so the trail never claims
    an import that did not land, and an import never lands unrecorded.
    """
    prepared = parsed if isinstance(parsed, PreparedImport) else prepare(parsed)
    parsed, frame = prepared.parsed, prepared.frame.copy(deep=False)
    is_books = parsed.kind == "books"
    table: Table = (PurchaseDocument if is_books else PortalDocument).__table__
    key = BOOK_KEY if is_books else PORTAL_KEY

    with engine.connect() as conn:
        previous = conn.execute(
            select(ImportBatch.id).where(ImportBatch.content_hash == parsed.content_hash,
                                         ImportBatch.kind == parsed.kind)
        ).scalar()
    if previous is not None:
        summary = _summary(parsed, frame, np.full(len(frame), 2, dtype="int8"), is_books)
        summary.previous_batch, summary.dry_run = previous, dry_run
        return summary

    conn = engine.connect()
    trans = conn.begin()
    try:
        batch_id = conn.execute(insert(ImportBatch.__table__).values(
            kind=parsed.kind, file_name=parsed.file_name[:500], content_hash=parsed.content_hash,
            recipient_gstin=parsed.recipient_gstin, return_period=parsed.return_period,
            imported_at=clock.now(), imported_by=actor.name or actor.id, summary_json="{}",
        )).inserted_primary_key[0]
        frame["batch_id"] = batch_id
        existing = _existing(conn, table, frame, key, is_books)
        now = clock.now()
        if existing.empty:  # a first import: every document is new, nothing to compare against
            state = np.zeros(len(frame), dtype="int8")
            new_rows = frame.assign(created_at=now, updated_at=now)
            changed = frame.iloc[:0]
        else:
            merged = frame.merge(existing, on=key, how="left", validate="one_to_one")
            state = np.where(merged["existing_id"].isna(), 0,
                             np.where(merged["existing_hash"] == merged["content_hash"], 2, 1)).astype("int8")
            new_rows = frame.loc[state == 0].assign(created_at=now, updated_at=now)
            changed = merged.loc[state == 1]
        total_work = len(new_rows) + len(changed)
        bulk_insert(conn, table, _grouped_by_supplier(new_rows, key) if is_books else new_rows, progress,
                    total_work, constant=prepared.constant)
        if len(changed):
            _keep_history(conn, table, changed["existing_id"].astype("int64").tolist(), batch_id,
                          "book" if is_books else "portal")
            bulk_update(conn, table, changed.drop(columns=["existing_hash"]).assign(updated_at=now),
                        progress, len(new_rows), total_work)
        _upsert_parties(conn, frame)
        summary = _summary(parsed, frame, state, is_books)
        summary.batch_id = batch_id
        conn.execute(update(ImportBatch.__table__).where(ImportBatch.id == batch_id).values(
            documents_total=summary.total, documents_added=summary.added,
            documents_updated=summary.updated, documents_unchanged=summary.unchanged,
            taxable_paise=summary.taxable_paise, tax_paise=summary.tax_paise,
            summary_json=json.dumps({s: vars(c) for s, c in summary.sections.items()}, sort_keys=True),
        ))
        audit.record(conn, kind="import", actor=actor, document_id=None, before=None, after={
            "batch_id": batch_id, "kind": summary.kind, "file": summary.file_name,
            "content_hash": parsed.content_hash, "added": summary.added, "updated": summary.updated,
            "unchanged": summary.unchanged, "taxable_paise": summary.taxable_paise,
            "tax_paise": summary.tax_paise,
        }, recipient_gstin=summary.recipient_gstin, period=summary.return_period)
        if dry_run:
            summary.dry_run, summary.batch_id = True, None
            trans.rollback()
        else:
            trans.commit()
        return summary
    except BaseException:
        if trans.is_active:
            trans.rollback()
        raise
    finally:
        conn.close()


def _grouped_by_supplier(rows: pd.DataFrame, key: list[str]) -> pd.DataFrame:
    """``rows`` in the order of the unique key's leading columns, up to the supplier GSTIN, and in
    the file's order within each supplier.

    SQLite then builds the key and supplier indexes from nearly sorted rows, less than half the
    work of building them from rows in file order. New documents' ids come out grouped by supplier (the file's
    row stays in ``source_row``). The leading columns hold a few thousand distinct values at most,
    so sorting them is cheap. Only the books need it: a portal download already lists documents
    supplier by supplier, and reordering its wider rows cost more than it saved.
    """
    if len(rows) < 2:
        return rows
    code = np.zeros(len(rows), dtype="int64")
    for column in key[: key.index("supplier_gstin") + 1]:
        values, uniques = pd.factorize(rows[column], sort=True)
        code = code * len(uniques) + values
    order = np.argsort(code, kind="stable")
    return rows if (np.diff(order) == 1).all() else rows.iloc[order]


def _derive_columns(frame: pd.DataFrame, is_books: bool) -> tuple[pd.DataFrame, RowHashes]:
    """Add ``fy``, ``supplier_pan``, ``occurrence`` (books) or ``period_key`` (portal) and
    ``content_hash``; also return the column hashes, which tell whether the file's keys are distinct."""
    dates = pd.to_datetime(frame["doc_date"])
    frame["fy"] = np.where(dates.dt.month >= 4, dates.dt.year, dates.dt.year - 1).astype("int64")
    frame["supplier_pan"] = _pans(frame["supplier_gstin"])
    content = [c for c in frame.columns if c not in NOT_CONTENT]
    hashes = RowHashes(frame)
    if is_books:
        frame["occurrence"] = _occurrences(frame, hashes)
    else:  # a return has one period (a handful at most): work it out once per distinct period
        codes, periods = pd.factorize(frame["return_period"], use_na_sentinel=False)
        frame["period_key"] = _period_keys(pd.Series(periods).astype(str))[codes]
    frame["content_hash"] = hashes.content(content)
    return frame, hashes


def _occurrences(frame: pd.DataFrame, hashes: RowHashes) -> np.ndarray:
    """Each row's place among the file's rows with the same document key (1 for the first).

    Rows whose key hash no other row shares have a key no other row has: they are first. Only the
    rest (repeated documents, and the rare hash clash) are grouped by the key's values.
    """
    group = BOOK_KEY[:-1]
    occurrence = np.ones(len(frame), dtype="int64")
    shared = hashes.shared(group)
    if shared is None:  # a column whose hashes cannot be trusted: group every row
        shared = np.ones(len(frame), dtype=bool)
    if shared.any():
        subset = frame.loc[shared, group]
        occurrence[shared] = subset.groupby(group, sort=False).cumcount().add(1).to_numpy(dtype="int64")
    return occurrence


def _pans(gstins: pd.Series) -> pd.Series:
    """Characters 3-12 of each GSTIN (its PAN), sliced once per distinct GSTIN: a register of a
    million rows names a few thousand suppliers."""
    codes, uniques = pd.factorize(gstins.astype(str), use_na_sentinel=False)
    pans = pd.Series(uniques, dtype=object).astype(str).str.slice(2, 12).to_numpy(dtype=object)
    return pd.Series(pans[codes], index=gstins.index, dtype="str")


def _period_keys(period: pd.Series) -> np.ndarray:
    """``MMYYYY`` → ``YYYYMM`` as an int, for ordering periods; 0 for anything else."""
    valid = period.str.fullmatch(r"\d{6}")
    return np.where(
        valid, pd.to_numeric(period.str[2:], errors="coerce").fillna(0).astype("int64") * 100
        + pd.to_numeric(period.str[:2], errors="coerce").fillna(0).astype("int64"), 0
    ).astype("int64")


def _refuse_duplicate_keys(frame: pd.DataFrame, key: list[str], file_name: str) -> None:
    dup = frame.duplicated(key, keep="first")
    if not dup.any():
        return
    problems = [
        Problem(f"document {r.supplier_gstin}/{r.doc_number} ({r.doc_type}) appears twice in section "
                f"{r.section}", row=i + 1, field="doc_number", value=r.doc_number,
                expected="each document once per section")
        for i, r in zip(np.flatnonzero(dup.to_numpy()), frame.loc[dup].itertuples(), strict=True)
    ]
    raise IngestError(file_name, problems)


def _existing(conn: Connection, table: Table, frame: pd.DataFrame, key: list[str],
              is_books: bool) -> pd.DataFrame:
    """Ids and content hashes of the rows already stored under the file's keys."""
    columns = [table.c.id.label("existing_id"), table.c.content_hash.label("existing_hash")]
    query = select(*columns, *[table.c[k] for k in key]).where(
        table.c.recipient_gstin.in_(frame["recipient_gstin"].unique().tolist()),
        table.c.fy.in_([int(v) for v in frame["fy"].unique()]),
    )
    if not is_books:
        query = query.where(table.c.source.in_(frame["source"].unique().tolist()))
    rows = conn.execute(query).all()
    existing = pd.DataFrame(rows, columns=["existing_id", "existing_hash", *key])
    kinds = {"occurrence": "int64"} if is_books else {"rejected_in_ims": bool}
    return existing.astype({"fy": "int64", **kinds})


def _keep_history(conn: Connection, table: Table, ids: list[int], batch_id: int, kind: str) -> None:
    """Copy the current values of rows about to change into ``document_history``."""
    history = DocumentHistory.__table__
    now = clock.now()
    for start in range(0, len(ids), 500):
        rows = conn.execute(select(table).where(table.c.id.in_(ids[start:start + 500]))).mappings().all()
        conn.execute(insert(history), [
            {"document_kind": kind, "document_id": r["id"], "batch_id": batch_id, "recorded_at": now,
             "previous_json": json.dumps({k: _jsonable(v) for k, v in r.items()}, sort_keys=True)}
            for r in rows
        ])


def _jsonable(value: object) -> object:
    return value.isoformat() if isinstance(value, dt.date | dt.datetime) else value


def _upsert_parties(conn: Connection, frame: pd.DataFrame) -> None:
    """Record every supplier and recipient GSTIN the file names (names filled in when unknown)."""
    suppliers = (frame.loc[frame["supplier_gstin"] != "", ["supplier_gstin", "supplier_name",
                                                           "supplier_gstin_problem"]]
                 .drop_duplicates("supplier_gstin"))
    stored: dict[str, str] = {}  # the file's suppliers already recorded, with their names
    gstins = suppliers["supplier_gstin"].tolist()
    for start in range(0, len(gstins), 1000):
        stored.update(conn.execute(select(Supplier.gstin, Supplier.name).where(
            Supplier.gstin.in_(gstins[start:start + 1000]))).all())
    fresh = suppliers.loc[~suppliers["supplier_gstin"].isin(stored)]
    now = clock.now()
    if len(fresh):  # through the bulk writer: a register names thousands of suppliers
        gstins = fresh["supplier_gstin"].astype(str)
        bulk_insert(conn, Supplier.__table__, pd.DataFrame({
            "gstin": gstins.to_numpy(object), "pan": [gstin_rules.pan_of(g) for g in gstins],
            "name": fresh["supplier_name"].fillna("").astype(str).to_numpy(object),
            "state_code": gstins.str.slice(0, 2).to_numpy(object),
            "gstin_problem": [p if isinstance(p, str) else None for p in fresh["supplier_gstin_problem"]],
        }).assign(updated_at=now))
    unnamed = [gstin for gstin, name in stored.items() if name == ""]
    named = suppliers.loc[suppliers["supplier_gstin"].isin(unnamed) & (suppliers["supplier_name"] != "")]
    if len(named):
        conn.execute(update(Supplier.__table__).where(
            Supplier.gstin == bindparam("g"), Supplier.name == "").values(name=bindparam("n")),
            [{"g": g, "n": n} for g, n in named[["supplier_gstin", "supplier_name"]].itertuples(
                index=False, name=None)])
    for recipient in frame["recipient_gstin"].unique().tolist():
        if not conn.execute(select(func.count()).select_from(Recipient.__table__).where(
                Recipient.gstin == recipient)).scalar():
            conn.execute(insert(Recipient.__table__).values(
                gstin=recipient, legal_name="", state_code=recipient[:2], filing_frequency="monthly",
                created_at=now))


def _summary(parsed: ParsedImport, frame: pd.DataFrame, state: np.ndarray, is_books: bool) -> ImportSummary:
    rejected = np.zeros(len(frame), dtype=bool) if is_books else frame["rejected_in_ims"].to_numpy(dtype=bool)
    grouping = frame["doc_type"] if is_books else frame["section"].astype(str) + np.where(
        rejected, " (rejected)", "")
    tax = frame[TAX].sum(axis=1)
    sections: dict[str, SectionCounts] = {}
    sign = net_signs(frame["doc_type"].to_numpy())
    table = pd.DataFrame({"g": grouping.to_numpy(), "s": state, "taxable": frame["taxable_paise"].to_numpy(),
                          "tax": tax.to_numpy(), "rejected": rejected})
    table["net_taxable"], table["net_tax"] = table["taxable"] * sign, table["tax"] * sign
    for name, part in table.groupby("g", sort=True):
        counts = np.bincount(part["s"].to_numpy(), minlength=3)
        sections[str(name)] = SectionCounts(
            added=int(counts[0]), updated=int(counts[1]), unchanged=int(counts[2]),
            taxable_paise=int(part["taxable"].sum()), tax_paise=int(part["tax"].sum()),
            net_taxable_paise=int(part["net_taxable"].sum()), net_tax_paise=int(part["net_tax"].sum()),
            rejected=bool(part["rejected"].iloc[0]))
    return ImportSummary(kind=parsed.kind, file_name=parsed.file_name, recipient_gstin=parsed.recipient_gstin,
                         return_period=parsed.return_period, sections=sections,
                         warnings=list(parsed.warnings))
