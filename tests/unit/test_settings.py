import pytest

from assistant.settings import SettingsError, load_settings


def test_override_order_default_env_flag(monkeypatch):
    assert load_settings().top_k == 5
    monkeypatch.setenv("ASSISTANT_TOP_K", "7")
    assert load_settings().top_k == 7
    assert load_settings(top_k=9).top_k == 9
    assert load_settings(top_k=None).top_k == 7  # an unset CLI flag leaves the environment in force


def test_unknown_environment_key_names_the_allowed_ones(monkeypatch):
    monkeypatch.setenv("ASSISTANT_TOPK", "7")
    with pytest.raises(SettingsError) as err:
        load_settings()
    assert "ASSISTANT_TOPK" in str(err.value) and "ASSISTANT_TOP_K" in str(err.value)


def test_unknown_keyword_and_bad_value_fail_loudly():
    with pytest.raises(SettingsError, match="allowed"):
        load_settings(colection="x")
    with pytest.raises(SettingsError, match="top_k"):
        load_settings(top_k=0)


def test_empty_chroma_url_means_embedded(monkeypatch):
    monkeypatch.setenv("ASSISTANT_CHROMA_URL", "")
    assert load_settings().chroma_url is None
