from assistant.retrieval import (
    collapse_duplicates,
    current_first,
    reciprocal_rank_fusion,
)
from vectorstore.models import Chunk, ScoredChunk


def chunk(cid, article, text="x", published=None):
    return Chunk(id=cid, article_id=article, index=0, start=0, end=len(text), text=text, published=published)


def test_rrf_rewards_agreement():
    a, b, c = chunk("a", "1"), chunk("b", "2"), chunk("c", "3")
    fused = reciprocal_rank_fusion({"dense": [ScoredChunk(a, .9), ScoredChunk(b, .8)],
                                    "keyword": [ScoredChunk(b, 5), ScoredChunk(c, 4)]}, k=60)
    assert [s.chunk.id for s in fused] == ["b", "a", "c"]
    assert fused[0].ranks == {"dense": 2, "keyword": 1}


def test_duplicates_collapse_into_one_passage_that_remembers_both_articles():
    quote = "Chicago Mayor should be in jail for failing to protect Ice Officers! Governor Pritzker also!"
    ranked = [ScoredChunk(chunk("a", "1", quote + " Trump wrote."), .03),
              ScoredChunk(chunk("b", "2", "Something else entirely about Elwood."), .02),
              ScoredChunk(chunk("c", "3", quote + " he said."), .01)]
    passages = collapse_duplicates(ranked)
    assert [p.chunk.id for p in passages] == ["a", "b"]
    assert [loc.article_id for loc in passages[0].also_in] == ["3"]


def test_current_reports_are_ranked_when_the_matches_span_years():
    old, new, newer, undated = (chunk("old", "1", published="2019-05-02"), chunk("new", "2", published="2022-06-20"),
                                chunk("newer", "3", published="2022-07-30"), chunk("u", "4"))
    rankings = {"dense": [ScoredChunk(old, .9), ScoredChunk(newer, .8), ScoredChunk(undated, .7)],
                "keyword": [ScoredChunk(new, 5), ScoredChunk(old, 4)]}
    # within 60 days of the newest match, by best rank in any ranking (new: 1st in keyword)
    assert [s.chunk.id for s in current_first(rankings)] == ["new", "newer"]
    # all matches of one season: nothing to tell apart, no ranking (the order stays the fusion's)
    assert current_first({"dense": [ScoredChunk(new, .9), ScoredChunk(newer, .8), ScoredChunk(undated, .7)]}) == []
