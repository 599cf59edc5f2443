import datetime
import gzip
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT, SEEDS
from vectorstore import loading
from vectorstore.extraction import extract_page
from vectorstore.loading import (
    UnreadableFile,
    find_files,
    load_article,
    load_metadata,
)


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
    page = extract_page(html)
    assert page.text == "Troops arrive\n\nTroops arrived late Tuesday.\n\nThey came from Texas."
    assert (page.title, page.outlet, page.published) == ("Troops arrive", "Daily", "2025-10-08")


def test_html_gz_file_with_its_own_charset(tmp_path):
    html = ('<html><head><meta charset="windows-1252"><title>Caf\xe9</title></head><body><article>'
            "<p>The caf\xe9 on Main Street reopened on Friday after the flood, its owner said.</p>"
            "</article></body></html>")
    p = tmp_path / "caf\xe9.html.gz"
    p.write_bytes(gzip.compress(html.encode("cp1252")))
    art = load_article(p, root=tmp_path)
    assert art.id == "caf\xe9" and art.source == "caf\xe9.html.gz"
    assert art.text == "The caf\xe9 on Main Street reopened on Friday after the flood, its owner said."


def test_page_without_article_text_is_skipped_with_the_reason(tmp_path):
    p = tmp_path / "empty.html"
    p.write_text("<html><head><script>render()</script></head><body><div id=app></div></body></html>")
    with pytest.raises(UnreadableFile, match="no article text found"):
        load_article(p)


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


# -- metadata is validated; one bad value skips only its own file (hardening) ------------------

def _yaml_folder(tmp_path, entries: str, names=("x.txt", "y.txt")):
    (tmp_path / "articles.yaml").write_text(entries, encoding="utf-8")
    for name in names:
        (tmp_path / name).write_text(f"Body of {name}.", encoding="utf-8")
    return load_metadata(tmp_path)


def test_an_impossible_unquoted_date_in_articles_yaml_skips_only_its_entry(tmp_path):
    meta = _yaml_folder(tmp_path, "x.txt: {published: 2025-13-45}\ny.txt: {published: 2025-10-08}\n")
    with pytest.raises(UnreadableFile) as err:
        load_article(tmp_path / "x.txt", meta["x.txt"])
    assert "articles.yaml entry 'x.txt': published '2025-13-45' is not a real calendar date" in str(err.value)
    assert "YYYY-MM-DD" in str(err.value)
    assert load_article(tmp_path / "y.txt", meta["y.txt"]).published == "2025-10-08"


def test_an_impossible_date_in_front_matter_is_a_reason_not_a_crash(tmp_path):
    p = tmp_path / "m.md"
    p.write_text("---\nheadline: H\npublished: 2025-13-45\n---\nBody.\n", encoding="utf-8")
    with pytest.raises(UnreadableFile, match=r"front matter: published '2025-13-45' is not a real calendar date"):
        load_article(p)


@pytest.mark.parametrize("field, value, expected", [
    ("headline", "[1, 2]", "headline must be text, got a list"),
    ("headline", "123", "headline must be text, got the number 123; put it in quotes"),
    ("headline", '""', "headline is empty; write null"),
    ("headline", "x" * 501, "headline is 501 characters long; at most 500"),
    ("outlet", "true", "outlet must be text, got true"),
    ("outlet", "{name: Bad}", "outlet must be text, got a mapping"),
    ("published", "20251008", "published 20251008 is not a date; write it as YYYY-MM-DD"),
    ("published", "0000-00-00", "published '0000-00-00' has the year 0; years 1900 to 2100 are accepted"),
    ("published", "2025-02-30", "published '2025-02-30' is not a real calendar date"),
    ("published", "Oct 8, 2025", "published 'Oct 8, 2025' is not a date"),
    ("published", "[2025-10-08]", "published ['2025-10-08'] is not a date"),
], ids=lambda v: str(v)[:20])
def test_bad_metadata_values_name_the_file_the_field_and_what_is_accepted(tmp_path, field, value, expected):
    meta = _yaml_folder(tmp_path, f"x.txt:\n  {field}: {value}\n", names=("x.txt",))
    with pytest.raises(UnreadableFile) as err:
        load_article(tmp_path / "x.txt", meta["x.txt"])
    assert f"articles.yaml entry 'x.txt': {expected}" in str(err.value)

    md = tmp_path / "m.md"
    md.write_text(f"---\n{field}: {value}\n---\nBody.\n", encoding="utf-8")
    with pytest.raises(UnreadableFile, match=f"front matter: {field}"):
        load_article(md)


def test_good_metadata_is_normalised(tmp_path):
    meta = _yaml_folder(tmp_path, "x.txt:\n  headline: '  Troops\n\n   arrive  '\n  outlet: ' AP '\n"
                                  "  published: 2025-10-08\n", names=("x.txt",))
    art = load_article(tmp_path / "x.txt", meta["x.txt"])
    assert (art.title, art.outlet, art.published) == ("Troops arrive", "AP", "2025-10-08")
    assert load_article(tmp_path / "x.txt", {"published": datetime.date(2025, 10, 8)}).published == "2025-10-08"


def test_html_meta_datetimes_still_give_the_date(tmp_path):
    p = tmp_path / "p.html"
    p.write_text('<html><head><title>T</title><meta property="article:published_time" content="2025-10-08T12:00:00Z">'
                 "</head><body><p>Body text.</p></body></html>", encoding="utf-8")
    assert load_article(p).published == "2025-10-08"
    p.write_text('<html><head><meta name="date" content="2025-10-08T23:30:00.123+02:00"></head>'
                 "<body><p>Body text.</p></body></html>", encoding="utf-8")
    assert load_article(p).published == "2025-10-08"


def test_articles_yaml_fixes_a_bad_value_in_the_file_itself(tmp_path):
    p = tmp_path / "p.html"
    p.write_text(f'<html><head><title>{"Long " * 120}</title></head><body><p>Body.</p></body></html>',
                 encoding="utf-8")
    with pytest.raises(UnreadableFile, match=r"the page's headline is 599 characters long"):
        load_article(p)
    assert load_article(p, {"title": "Short"}).title == "Short"


def test_malformed_front_matter_is_reported(tmp_path):
    p = tmp_path / "m.md"
    p.write_text("---\nheadline: [unclosed\n---\nBody.\n", encoding="utf-8")
    with pytest.raises(UnreadableFile, match="front matter .* not valid YAML"):
        load_article(p)
    p.write_text("---\n- a list\n---\nBody.\n", encoding="utf-8")
    with pytest.raises(UnreadableFile, match="front matter .* must be a mapping"):
        load_article(p)


# -- ids come from the path under the folder given; Unicode names keep their letters -----------

def test_flat_folder_ids_are_unchanged():
    found, skipped = loading.find_article_files([SEEDS])
    assert not skipped
    assert [f.id for f in found] == [p.stem for p in sorted(SEEDS.glob("*.txt"))]
    assert "000_260dedd85ce9b948" in [f.id for f in found]


def test_ids_follow_sub_folders_and_keep_unicode_letters(tmp_path):
    for name in ["a/x.txt", "b/x.txt", "新闻.txt", "статья.txt", "a b.txt", "a-b.txt", "deep/er/Café Noir.md", "!!!.txt"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("Body.", encoding="utf-8")
    found, _ = loading.find_article_files([tmp_path])
    ids = {f.path.relative_to(tmp_path).as_posix(): f.id for f in found}
    assert ids["a/x.txt"] == "a/x" and ids["b/x.txt"] == "b/x"
    assert ids["新闻.txt"] == "新闻" and ids["статья.txt"] == "статья"
    assert ids["a b.txt"] == ids["a-b.txt"] == "a-b"  # the ingest refuses the second (see test_ingest_rules)
    assert ids["deep/er/Café Noir.md"] == "deep/er/Café-Noir"
    assert ids["!!!.txt"].startswith("article-")
    # A file named by itself: its name without extension; the id is what load_article records.
    assert loading.find_article_files([tmp_path / "a" / "x.txt"])[0][0].id == "x"
    assert load_article(tmp_path / "a" / "x.txt", id_root=tmp_path).id == "a/x"
    assert loading.article_id(tmp_path / "a" / "x.txt") == "x"


def test_decomposed_unicode_names_get_the_same_id(tmp_path):
    assert loading.article_id(tmp_path / "Cafe\u0301.txt") == loading.article_id(tmp_path / "Caf\u00e9.txt") == "Café"


# -- symlinks never lead out of an ingested folder ---------------------------------------------

def test_symlinks_out_of_the_folder_dangling_and_loops_are_skipped_with_reasons(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("Secret.", encoding="utf-8")
    folder = tmp_path / "articles"
    (folder / "sub").mkdir(parents=True)
    (folder / "real.txt").write_text("Real.", encoding="utf-8")
    (folder / "to-secret.txt").symlink_to(outside / "secret.txt")
    (folder / "to-etc.txt").symlink_to("/etc/passwd")
    (folder / "to-outside-dir").symlink_to(outside, target_is_directory=True)
    (folder / "dangling.txt").symlink_to(folder / "missing.txt")
    (folder / "loop.txt").symlink_to(folder / "loop.txt")
    (folder / "sub" / "up").symlink_to(folder, target_is_directory=True)
    (folder / "alias.txt").symlink_to(folder / "real.txt")
    files, skipped = find_files([folder])
    assert sorted(f.name for f in files) == ["alias.txt", "real.txt"]
    reasons = {p.name: r for p, r in skipped}
    assert set(reasons) == {"to-secret.txt", "to-etc.txt", "to-outside-dir", "dangling.txt", "loop.txt", "up"}
    assert "outside the folder" in reasons["to-secret.txt"] and "not followed" in reasons["to-etc.txt"]
    assert "outside the folder" in reasons["to-outside-dir"]
    assert "dangling" in reasons["dangling.txt"] and "loop" in reasons["loop.txt"]
    assert "folder; not followed" in reasons["up"]
    # Named by itself on the command line, a link is the user's choice and is read.
    assert find_files([folder / "to-secret.txt"]) == ([folder / "to-secret.txt"], [])


# -- articles.yaml typos are reported by name and cost nothing (issue: never a poisoned run) ------

def _metadata(tmp_path, text: str, names=("a.txt", "b.txt")):
    (tmp_path / "articles.yaml").write_text(text, encoding="utf-8")
    for name in names:
        (tmp_path / name).write_text(f"Body of {name}.", encoding="utf-8")
    return loading.read_metadata(tmp_path)


def test_the_keys_an_entry_may_hold_are_the_ones_load_article_reads(tmp_path):
    assert loading.ENTRY_KEYS == ("headline", "outlet", "published", "author")
    meta = _metadata(tmp_path, "a.txt: {headline: H, outlet: O, published: 2025-10-08, author: A}\n")
    assert not meta.problems
    art = load_article(tmp_path / "a.txt", meta.entries["a.txt"])
    assert (art.title, art.outlet, art.published, art.author) == ("H", "O", "2025-10-08", "A")


def test_an_unknown_key_is_reported_and_ignored_and_the_known_ones_kept(tmp_path):
    meta = _metadata(tmp_path, "a.txt:\n  headline: H\n  publisehd: 2025-10-08\n  title: T\n")
    assert meta.problems == (
        "entry 'a.txt': unknown key 'publisehd' ignored (did you mean 'published'?); "
        "an entry may hold headline, outlet, published, author",
        "entry 'a.txt': unknown key 'title' ignored (did you mean 'headline'?); "
        "an entry may hold headline, outlet, published, author",
    )
    art = load_article(tmp_path / "a.txt", meta.entries["a.txt"])
    assert (art.title, art.published) == ("H", None)


def test_an_entry_for_a_file_not_in_the_folder_is_reported(tmp_path):
    meta = _metadata(tmp_path, "a.txt: {headline: A}\ngone.txt: {headline: C}\nb.text: {headline: B}\n"
                               "sub/a.txt: {headline: S}\n")
    assert meta.problems == (
        "entry 'gone.txt': no file 'gone.txt' in this folder; nothing is stored for this entry",
        "entry 'b.text': no file 'b.text' in this folder; nothing is stored for this entry (did you mean 'b.txt'?)",
        "entry 'sub/a.txt': no file 'sub/a.txt' in this folder; nothing is stored for this entry "
        "(an entry names a file beside articles.yaml; sub-folders have an articles.yaml of their own)",
    )


def test_a_file_named_twice_is_reported_with_the_entry_used(tmp_path):
    meta = _metadata(tmp_path, "a.txt:\n  headline: First\nb.txt: {headline: B}\na.txt:\n  headline: Second\n")
    assert meta.problems == ("'a.txt' has 2 entries (lines 1 and 4); the last one (line 4) is used, "
                             "the others are ignored",)
    assert meta.entries["a.txt"]["title"] == "Second"


def test_a_field_given_twice_in_one_entry_is_reported_with_the_value_used(tmp_path):
    meta = _metadata(tmp_path, "a.txt:\n  published: 2025-10-08\n  outlet: O\n  published: 2025-10-09\n"
                               "b.txt: {outlet: X, outlet: Y, outlet: Z}\n")
    assert meta.problems == (
        "entry 'a.txt': 'published' is given 2 times (lines 2 and 4); the last value is used: '2025-10-09' (line 4)",
        "entry 'b.txt': 'outlet' is given 3 times (line 5); the last value is used: 'Z'",
    )
    assert meta.entries["a.txt"]["published"] == "2025-10-09" and meta.entries["b.txt"]["outlet"] == "Z"


def test_merge_keys_are_not_duplicates(tmp_path):
    meta = _metadata(tmp_path, "a.txt: &base {outlet: O, headline: A}\nb.txt:\n  <<: *base\n  headline: B\n")
    assert not meta.problems
    assert meta.entries["b.txt"] == {"title": "B", "outlet": "O", "published": None, "author": None}


def test_load_metadata_is_the_entries_of_read_metadata(tmp_path):
    _metadata(tmp_path, "a.txt: {headline: A, publisehd: x}\n")
    assert load_metadata(tmp_path) == {"a.txt": {"title": "A", "outlet": None, "published": None, "author": None}}


# -- a size limit per file, from ASSISTANT_MAX_FILE_BYTES ------------------------------------------

def test_a_file_over_the_size_limit_is_refused_before_it_is_read_naming_the_setting(tmp_path, monkeypatch):
    p = tmp_path / "big.txt"
    p.write_text("The council met again. " * 200, encoding="utf-8")  # 4,600 bytes
    with monkeypatch.context() as m, pytest.raises(UnreadableFile) as err:
        m.setattr(Path, "open", lambda *a, **k: pytest.fail("a file over the limit is read"))
        m.setattr(Path, "read_bytes", lambda *a, **k: pytest.fail("a file over the limit is read"))
        load_article(p, max_bytes=4096)
    assert str(err.value) == ("4,600 bytes, larger than the limit of 4,096 bytes (ASSISTANT_MAX_FILE_BYTES); "
                              "raise that setting to ingest it")
    assert load_article(p, max_bytes=4600).text.startswith("The council met again.")
    assert loading.MAX_FILE_BYTES == 20 * 1024 * 1024


def test_a_compressed_page_is_held_to_the_limit_once_unpacked(tmp_path):
    p = tmp_path / "big.html.gz"
    body = "<p>The council met again on Monday.</p>" * 2000  # 78,000 bytes, a few hundred compressed
    p.write_bytes(gzip.compress(f"<html><body><article>{body}</article></body></html>".encode()))
    with pytest.raises(UnreadableFile, match=r"larger than the limit of 65,536 bytes once unpacked \(ASSISTANT_MAX_FILE_BYTES\)"):
        load_article(p, max_bytes=64 * 1024)
    assert "council" in load_article(p, max_bytes=100_000).text


def test_extract_reads_a_file_to_the_same_limit_as_ingest(tmp_path):
    from assistant.settings import load_settings
    from assistant.web_sources import extract

    p = tmp_path / "big.txt"
    p.write_text("The council met again. " * 200, encoding="utf-8")
    [result] = extract([str(p)], load_settings(max_file_bytes=4096))
    assert "larger than the limit of 4,096 bytes (ASSISTANT_MAX_FILE_BYTES)" in result["error"]
    [result] = extract([str(p)], load_settings())
    assert result["text"].startswith("The council met again.")
