"""The sample-month generator behind the demo and the benchmarks."""

from pathlib import Path

import orjson

from ims_core.gst import gstin
from ims_core.samplegen import DEMO_FILES, FINDINGS, generate, write_demo_files

BUNDLED = Path(__file__).resolve().parent.parent / "ims_core" / "data" / "demo"


def test_bundled_demo_files_are_what_the_generator_makes(tmp_path):
    """The shipped demo month can be regenerated exactly (fixed seed), so it never drifts from the code."""
    fresh = write_demo_files(tmp_path)
    for kind, name in DEMO_FILES.items():
        assert fresh[kind].read_bytes() == (BUNDLED / name).read_bytes(), name


def test_a_month_has_every_kind_of_finding_and_valid_gstins():
    month = generate(600, seed=1)
    assert set(month.books["finding"]) | set(month.portal["finding"]) == set(FINDINGS)
    assert all(gstin.problem(g) is None for g in month.books["supplier_gstin"].unique())
    assert gstin.problem(month.recipient_gstin) is None
    # a GSTIN slip keeps the PAN: the supplier's registration in another state
    slips = month.books[month.books["finding"] == "gstin_slip"]
    assert len(slips)
    for row in slips.itertuples():
        same_number = month.portal.loc[month.portal["doc_number"] == row.doc_number, "supplier_gstin"]
        assert any(g != row.supplier_gstin and g[2:12] == row.supplier_gstin[2:12] for g in same_number)


def test_intra_state_documents_split_tax_and_inter_state_use_igst():
    month = generate(300, seed=2)
    intra = month.portal[month.portal["supplier_gstin"].str[:2] == "27"]
    inter = month.portal[month.portal["supplier_gstin"].str[:2] != "27"]
    assert (intra["igst_paise"] == 0).all() and (intra["cgst_paise"] > 0).all()
    assert (inter["cgst_paise"] == 0).all() and (inter["igst_paise"] > 0).all()


def test_gstr2b_json_drops_zero_tax_heads_like_the_portal(tmp_path):
    files = write_demo_files(tmp_path)
    data = orjson.loads(files["gstr2b"].read_bytes())["data"]
    invoices = [inv for supplier in data["docdata"]["b2b"] for inv in supplier["inv"]]
    assert any("igst" not in inv for inv in invoices) and any("cgst" not in inv for inv in invoices)
    assert data["rtnprd"] == "102025" and data["version"] == "4.0"
