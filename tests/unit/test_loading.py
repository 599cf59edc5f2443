import pytest
import yaml

from tests.conftest import ROOT, SEEDS
from vectorstore.loading import UnreadableFile, extract_html, find_files, load_article, load_metadata


def test_seed_metadata_covers_every_seed_and_has_dates():
    meta = load_metadata(SEEDS)
    files = sorted(p.name for p in SEEDS.glob("*.txt"))
    assert sorted(meta) == files
    assert meta["000_260dedd85ce9b948.txt"]["outlet"] == "USA TODAY"
    assert meta["000_260dedd85ce9b948.txt"]["published"] == "2025-10-08"
    assert meta["004_e28152c5ebfe76fb.txt"]["published"] == "2025-08-30"
    assert meta["001_35557c4c5dbf5703.txt"]["outlet"] is None


def test_seeds_are_byte_identical_to_the_shared_originals():
    shared = ROOT.parent / "shared" / "seeds"
    if not shared.is_dir():
        pytest.skip("../shared/seeds is not beside this checkout")
    for original in shared.glob("*.txt"):
        assert (SEEDS / original.name).read_bytes() == original.read_bytes()


def test_text_file_is_read_exactly(tmp_path):
    p = tmp_path / "a.txt"
    p.write_bytes("Line one.\r\nLine “two”.\n".encode())
    art = load_article(p, root=tmp_path)
    assert art.text == "Line one.\r\nLine “two”.\n"
    assert art.source == "a.txt" and art.id == "a" and art.content_hash


@pytest.mark.parametrize("content, reason", [
    (b"", "empty"), (b"   \n\n", "empty"), (b"\x89PNG\x00\x00\x01", "binary"), (b"caf\xe9 au lait", "UTF-8"),
])
def test_unusable_files_say_why(tmp_path, content, reason):
    p = tmp_path / "bad.txt"
    p.write_bytes(content)
    with pytest.raises(UnreadableFile, match=reason):
        load_article(p)


def test_find_files_reports_unsupported_and_missing(tmp_path):
    (tmp_path / "a.txt").write_text("x")
    (tmp_path / "b.pdf").write_bytes(b"%PDF")
    (tmp_path / "articles.yaml").write_text("{}")
    files, skipped = find_files([tmp_path, tmp_path / "nope.txt"])
    assert [f.name for f in files] == ["a.txt"]
    reasons = {p.name: r for p, r in skipped}
    assert "unsupported" in reasons["b.pdf"] and "no such" in reasons["nope.txt"]


def test_html_main_text_only():
    html = """<html><head><title>T</title><meta property="og:site_name" content="Daily">
    <meta property="article:published_time" content="2025-10-08T10:00:00Z"><script>alert(1)</script></head>
    <body><nav>Home | World</nav><article><h1>Troops arrive</h1><p>Troops arrived late Tuesday.</p>
    <p>They came from <b>Texas</b>.</p></article><footer>Copyright</footer></body></html>"""
    text, meta = extract_html(html)
    assert text == "Troops arrive\n\nTroops arrived late Tuesday.\n\nThey came from Texas."
    assert meta == {"title": "T", "outlet": "Daily", "published": "2025-10-08T10:00:00Z"}


def test_markdown_front_matter_is_metadata_not_text(tmp_path):
    p = tmp_path / "m.md"
    p.write_text("---\nheadline: H\noutlet: O\npublished: 2025-10-01\n---\nBody text.\n")
    art = load_article(p)
    assert (art.title, art.outlet, art.published, art.text) == ("H", "O", "2025-10-01", "Body text.\n")


def test_yaml_metadata_wins_and_bad_yaml_is_reported(tmp_path):
    (tmp_path / "articles.yaml").write_text(yaml.safe_dump({"a.txt": {"outlet": "X", "headline": None}}))
    (tmp_path / "a.txt").write_text("Body.")
    assert load_metadata(tmp_path)["a.txt"]["outlet"] == "X"
    (tmp_path / "articles.yaml").write_text("a.txt: [unclosed")
    with pytest.raises(UnreadableFile, match="YAML"):
        load_metadata(tmp_path)
