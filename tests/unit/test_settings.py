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


def test_allowed_origins_from_a_comma_separated_variable(monkeypatch):
    monkeypatch.setenv("ASSISTANT_ALLOWED_ORIGINS", " https://news.example.org/, http://127.0.0.1:8000 ,")
    assert load_settings().allowed_origins == ["https://news.example.org", "http://127.0.0.1:8000"]
    monkeypatch.setenv("ASSISTANT_ALLOWED_ORIGINS", "news.example.org")
    with pytest.raises(SettingsError, match="not an origin: write scheme://host"):
        load_settings()


def test_own_origin_is_the_default_and_loopback_has_two_names():
    s = load_settings(port=9000)
    assert s.allowed_origins == []
    assert s.own_origins == ["http://127.0.0.1:9000", "http://localhost:9000"]
    assert load_settings(host="10.0.0.5").own_origins == ["http://10.0.0.5:7860"]


def test_example_questions_from_a_json_list(monkeypatch):
    monkeypatch.setenv("ASSISTANT_EXAMPLE_QUESTIONS", '["Who?", "When, and where?"]')
    assert load_settings().example_questions == ["Who?", "When, and where?"]


@pytest.mark.parametrize("spec", ["extractive", "bundled", "llamacpp:/models/x.gguf", "ollama:llama3.2",
                                  "openai:gpt-4o-mini"])
def test_llm_specs(spec):
    assert load_settings(llm=spec).llm == spec


@pytest.mark.parametrize("spec", ["gpt4", "openai:", "llamacpp", "bundled:x"])
def test_bad_llm_spec_says_what_is_allowed(spec):
    with pytest.raises(SettingsError, match="not a composer: use extractive, bundled"):
        load_settings(llm=spec)


def test_ollama_host_from_ollamas_own_variable(monkeypatch):
    monkeypatch.setenv("OLLAMA_HOST", "http://10.0.0.2:11434")
    assert load_settings().ollama_host == "http://10.0.0.2:11434"
    monkeypatch.setenv("ASSISTANT_OLLAMA_HOST", "http://10.0.0.3:11434")
    assert load_settings().ollama_host == "http://10.0.0.3:11434"  # ours wins
