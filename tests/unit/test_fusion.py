from assistant.retrieval import collapse_duplicates, reciprocal_rank_fusion
from vectorstore.models import Chunk, ScoredChunk


def chunk(cid, article, text="x"):
    return Chunk(id=cid, article_id=article, index=0, start=0, end=len(text), text=text)


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
