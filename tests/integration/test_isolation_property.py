"""Property: over random sequences of turns by several users, no read path returns another
user's data (repositories, recall, full-text search, /memories, the vector index)."""
import re
from datetime import datetime, timezone

from hypothesis import HealthCheck, given, settings, strategies as st

USERS = ["400000000000000001", "400000000000000002", "400000000000000003"]
TOPICS = ["my dog", "the garden", "my sister", "a trip to Lisbon", "my new job", "the piano"]
MARK = re.compile(r"owner(\d)tag")

turns = st.lists(
    st.tuples(st.integers(0, len(USERS) - 1), st.sampled_from(TOPICS), st.sampled_from(["companion", "memories"])),
    min_size=1, max_size=5,
)


def owners(texts) -> set[int]:
    return {int(m) for text in texts for m in MARK.findall(text)}


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sequence=turns)
def test_no_read_path_returns_another_users_data(runtime, sequence):
    c = runtime.container
    for who, topic, command in sequence:
        user = USERS[who]
        if command == "companion":
            runtime.send("companion", {"message": f"I keep thinking about {topic} owner{who}tag"}, user_id=user)
        else:
            replies = runtime.send("memories", {"query": topic}, user_id=user).replies
            assert owners(replies) <= {who}
    now = datetime.now(timezone.utc)
    for who, user in enumerate(USERS):
        seen = []
        for topic in TOPICS:
            seen += [m.content for m in c.memory.search(user, topic, k=10, now=now)]
            seen += [m.content for m in c.memory.search_text(user, topic, k=10, now=now)]
        seen += [i.user_message + i.agent_response for i in c.interaction_repo.list_interactions(user)]
        seen += [i.user_message for i in c.interaction_repo.recent_exchanges(user, 50)]
        vector = c.memory.embedder.embed(["I keep thinking about"], kind="query")[0]
        seen += [str(h.payload) for h in c.vector_store.search(c.memory.embedder.model_id, user, vector, 50)]
        assert owners(seen) <= {who}, (user, owners(seen))
