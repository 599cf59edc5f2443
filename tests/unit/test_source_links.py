"""A source shown in the chat is a link only when it is an http(s) address, and escaped either way."""

import pytest

from assistant.webchat import source_html


def test_a_web_address_becomes_an_escaped_link():
    html = source_html("https://news.example.org/a?b=1&c=2")
    assert html.startswith('<a href="https&#58;&#47;&#47;news&#46;example&#46;org&#47;a&#63;b&#61;1&#38;c&#61;2"')
    assert 'rel="noopener noreferrer nofollow"' in html and "<script" not in html


@pytest.mark.parametrize("source", ["seeds/000.txt", "javascript:alert(1)", "data:text/html,<b>x</b>",
                                    'https://e.org/" onmouseover="alert(1)', "https://e.org/<script>",
                                    "ftp://e.org/a.txt"])
def test_anything_else_is_text(source):
    html = source_html(source)
    assert "<a " not in html and "<" not in html.replace("&#60;", "") and '"' not in html
