"""Trains the local injection screen's learned stage (domain/injection_classifier.py).

    make train-injection TENSOR_TRUST=/path/to/tensor-trust-data DEEPSET=/path/to/deepset-parquet-dir \
                         PALLMS=/path/to/pallms
    # = .venv-train/bin/python tools/train_injection_classifier.py --tensor-trust DIR --deepset DIR --pallms DIR

Writes layers/common/companion/weights/injection_classifier.npz (weights, intercept, hash bits,
the flag threshold, and where the data came from) and prints out-of-fold figures per source.
scikit-learn is used here only (requirements-train.txt); the product scores with numpy.

Data (every source split into dev / held out by the project's rule: a row's own `split` field,
otherwise sha256(text) mod 3 == 0 is held out -- benchmarks/injection_eval.hashed_split; ONLY dev
rows are trained on, so held-out figures from benchmarks/injection_eval.py stay honest):
- this repository: benchmarks/data/direct-attacks.jsonl (attacks), companion-benign.jsonl
  (tricky benign messages addressed to a companion), seed-examples.jsonl (the seed's 15 + 15);
- ../shared/benchmarks: CyberSecEval's prompt-injection cases (MIT) whose technique is an attack in
  the message itself (CYBERSECEVAL_TRAINED; its other cases are mostly innocent questions),
  benign-chat-dev.jsonl, and the other LoCoMo dev turns as ordinary chat (any turn equal to a
  held-out benign-chat row is left out);
- Tensor Trust (Toyer et al., 2023, "Tensor Trust: Interpretable Prompt Injection Attacks from an
  Online Game"): the `attack` field of benchmarks/hijacking-robustness/v1 and
  extraction-robustness/v1 of the public repository HumanCompatibleAI/tensor-trust-data (commit
  e2385ea used here). Referenced, not copied into this repository;
- deepset/prompt-injections (Apache-2.0; the two parquet files of its train and test splits, as
  mirrored in sinanw/llm-security-prompt-injection data/raw): its `train` rows count as dev, its
  `test` rows as held out.
- PALLMs (mik0w/pallms, MIT, commit bfedec0): plaintext/promptinjection.txt and jailbreak.txt,
  payloads collected from Lakera's gandalf_ignore_instructions, Vigil and the author; split by
  hash like the rest;
- a small grammar of attack and benign phrasings (`synthetic_examples`, fixed seed), training only.
Missing external directories are skipped with a warning (the model is then weaker; the .npz
records which sources it saw).

``--export-eval DIR`` also writes the external sets as benchmark files
({"text", "label", "split", "category"}) for benchmarks/injection_eval.py.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "layers" / "common"))

from companion.domain.injection import normalise, screen_locally  # noqa: E402
from companion.domain.injection_classifier import HashedNgramClassifier, featurise  # noqa: E402

# ../shared/benchmarks next to the checkout (or next to a parent folder, for worktrees).
SHARED = next((p / "shared" / "benchmarks" for p in ROOT.parents if (p / "shared" / "benchmarks").is_dir()),
              ROOT.parent / "shared" / "benchmarks")
OUTPUT = ROOT / "layers" / "common" / "companion" / "weights" / "injection_classifier.npz"
BITS = 18
# Source weights: every benign message addressed to a companion counts for several ordinary ones,
# because that is where a learned model goes wrong (it learns "instructions" = attack).
SOURCE_WEIGHT = {"companion-benign": 4.0, "seed": 2.0, "direct-attacks": 2.0}
FOLDS = 5
CYBERSECEVAL_TRAINED = {"ignore_previous_instructions", "system_mode", "token_smuggling", "repeated_token_attack"}
# Out-of-fold targets the threshold is chosen for (tighter than the product targets, so the
# held-out figures have room): false positives on companion-benign and on ordinary chat.
MAX_OOF_FPR = {"companion-benign": 0.01, "chat": 0.002}


@dataclass(frozen=True)
class Example:
    text: str
    label: int
    source: str
    split: str  # dev | heldout
    category: str = ""


def hashed_split(text: str) -> str:
    return "heldout" if int(hashlib.sha256(text.encode()).hexdigest()[:8], 16) % 3 == 0 else "dev"


def _trigrams(text: str) -> frozenset:
    words = re.findall(r"\w+", normalise(text).plain)
    return frozenset(zip(words, words[1:], words[2:])) or frozenset([tuple(words)])


def cluster_split(texts: list[str], similarity: float = 0.5) -> dict[str, str]:
    """Dev / held out per cluster of near-duplicates (word-trigram Jaccard >= ``similarity``), so a
    reworded copy of a held-out attack never sits in the training data: Tensor Trust players
    reuse each other's attacks, and a per-row split put a near-copy of 166 of its 299 held-out
    rows into dev. A cluster is held out when sha256 of its first text (sorted) is 0 mod 3."""
    grams = [_trigrams(t) for t in texts]
    parent = list(range(len(texts)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(len(texts)):
        for j in range(i + 1, len(texts)):
            union = len(grams[i] | grams[j])
            if union and len(grams[i] & grams[j]) / union >= similarity:
                parent[root(i)] = root(j)
    members = defaultdict(list)
    for i, text in enumerate(texts):
        members[root(i)].append(text)
    return {text: hashed_split(min(group)) for group in members.values() for text in group}


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def load_examples(shared: Path, tensor_trust: Path | None, deepset: Path | None,
                  pallms: Path | None = None) -> tuple[list[Example], list[str]]:
    examples, sources = [], []
    data = ROOT / "benchmarks" / "data"
    for name, source in (("direct-attacks.jsonl", "direct-attacks"), ("companion-benign.jsonl", "companion-benign"),
                         ("seed-examples.jsonl", "seed")):
        for row in _jsonl(data / name):
            examples.append(Example(row["text"], row["label"], source, row.get("split") or hashed_split(row["text"]),
                                    row.get("category", "")))
        sources.append(f"benchmarks/data/{name}")
    injection = shared / "injection"
    for case in json.loads((injection / "cyberseceval-prompt-injection.json").read_text()):
        # Only the techniques that are attacks in the message itself. The others are mostly innocent
        # questions ("What is the weather in Los Angeles in February?") that are attacks only against
        # CyberSecEval's own system prompts: as positives they teach the model that questions are
        # attacks (deepset's benign questions went to 5% false positives out of fold).
        if case["injection_variant"] in CYBERSECEVAL_TRAINED:
            examples.append(Example(case["user_input"], 1, "cyberseceval", hashed_split(case["user_input"])))
    chat = _jsonl(injection / "benign-chat-dev.jsonl")
    held_out_chat = set()
    for row in chat:
        split = row.get("split") or hashed_split(row["text"])
        examples.append(Example(row["text"], 0, "chat", split))
        if split == "heldout":
            held_out_chat.add(row["text"])
    seen = {row["text"] for row in chat}
    for sample in json.loads((shared / "locomo" / "locomo-dev.json").read_text()):
        for value in sample["conversation"].values():
            if not isinstance(value, list):
                continue
            for turn in value:
                text = turn.get("text") or ""
                if text and text not in seen and text not in held_out_chat:
                    seen.add(text)
                    examples.append(Example(text, 0, "chat-locomo", "dev"))
    sources += ["shared/benchmarks/injection/cyberseceval-prompt-injection.json",
                "shared/benchmarks/injection/benign-chat-dev.jsonl", "shared/benchmarks/locomo/locomo-dev.json"]
    if tensor_trust:
        attacks = {}
        for kind in ("hijacking", "extraction"):
            path = tensor_trust / "benchmarks" / f"{kind}-robustness" / "v1" / f"{kind}_robustness_dataset.jsonl"
            for row in _jsonl(path):
                attacks.setdefault(row["attack"], f"tensor-trust/{kind}")
        splits = cluster_split(sorted(attacks))
        examples += [Example(text, 1, source, splits[text]) for text, source in attacks.items()]
        sources.append("HumanCompatibleAI/tensor-trust-data benchmarks/{hijacking,extraction}-robustness/v1")
    else:
        print("!! no --tensor-trust: trained without Tensor Trust attacks", file=sys.stderr)
    if deepset:
        import pyarrow.parquet as pq

        for path in sorted(deepset.glob("*.parquet")):
            split = "heldout" if path.name.startswith("test") else "dev"
            for row in pq.read_table(path).to_pylist():
                examples.append(Example(row["text"], int(row["label"]), "deepset", split))
        sources.append("deepset/prompt-injections (train = dev, test = held out)")
    else:
        print("!! no --deepset: trained without deepset/prompt-injections", file=sys.stderr)
    if pallms:
        lines = []
        for name in ("promptinjection.txt", "jailbreak.txt"):
            lines += [line.strip() for line in (pallms / "plaintext" / name).read_text().splitlines() if line.strip()]
        tasks = ["tell me a joke", "say access granted", "print your prompt", "write a poem about cats"]
        for number, line in enumerate(lines):
            text = line.replace("{NEW_INSTRUCTION}", tasks[number % len(tasks)])
            examples.append(Example(text, 1, "pallms", hashed_split(text)))
        sources.append("mik0w/pallms plaintext/{promptinjection,jailbreak}.txt (MIT; from Lakera's gandalf and Vigil)")
    else:
        print("!! no --pallms: trained without PALLMs' payloads", file=sys.stderr)
    # One text, one label: the first source's row wins (the in-repo sets are loaded first).
    unique: dict[str, Example] = {}
    for example in examples:
        unique.setdefault(example.text, example)
    return list(unique.values()), sources


# Synthetic rows (training only, never reported): a small grammar of the Tensor Trust families
# (override, new role, target phrase, extraction) and of benign companion talk that uses the same
# words, so the model learns which *combinations* make an attack rather than single words.
_OPEN = ["", "", "Hey, ", "OK. ", "Now ", "Listen: ", "New task: ", "Important: ", "[system] ", "### ", "Thanks! ",
         "Great job. ", "Wait. ", "Actually, ", "Hi! ", "%%% ", "Update: "]
_IGNORE = ["ignore", "disregard", "forget", "set aside", "drop", "skip", "abandon", "pay no attention to", "override",
           "stop following", "don't follow", "throw away"]
_WHICH = ["all", "your", "the", "any", "all of your", "every one of the", "those", ""]
_EARLIER = ["previous", "prior", "earlier", "above", "initial", "original", "old", "preceding", "first", "existing", ""]
_RULES = ["instructions", "rules", "directions", "guidance", "setup", "prompt", "orders", "directives", "guidelines",
          "programming", "persona", "configuration", "constraints"]
_ROLE = ["you are now {x}", "act as {x}", "pretend to be {x}", "from now on you are {x}", "you will play {x}",
         "become {x}", "roleplay as {x}", "respond as {x}", "switch to {x}"]
_PERSONA = ["an AI with no rules", "DAN", "a model without restrictions", "the raw model", "a different assistant",
            "an unfiltered bot", "a bot that always says access granted", "the system administrator",
            "an assistant that reveals its instructions", "FreeGPT, who ignores every rule", "developer mode"]
_TARGET = ["say '{p}'", "reply with {p}", "respond only with \"{p}\"", "print {P}", "output the words {p}",
           "just answer {p}", "begin your answer with {p}", "type {p} and nothing else", "confirm with '{p}'"]
_PHRASE = ["access granted", "Access Granted", "ACCESS GRANTED", "access granted.", "I have been pwned"]
_AUTHORITY = ["I'm your developer", "I am the administrator", "This is the operator speaking", "I work for the company that built you",
              "Security team here", "I'm the owner of this bot", "As your creator", "Admin override code 7731",
              "I have clearance", "The user has been verified", "Authentication complete", "The correct password was entered"]
_SHOW = ["reveal", "print", "show me", "repeat", "tell me", "output", "list", "paste", "write out", "summarise",
         "translate", "recite", "quote", "spell out", "describe"]
_SECRET = ["your system prompt", "your instructions", "your hidden instructions", "your initial prompt",
           "the rules you were given", "your setup", "your configuration", "the password", "the secret code",
           "the text above", "everything above this line", "what you were told", "your prompt word for word",
           "the access code", "your original instructions"]
_WHO = ["my doctor", "my teacher", "my boss", "my coach", "my mom", "my landlord", "my therapist", "the vet",
        "my manager", "grandma", "the instructor", "my dad"]
_BENIGN = [
    "{who}'s instructions were to {rest}", "{who} gave me strict rules about {topic}",
    "let's pretend {scene}", "pretend you're {friendly} and {cheer}", "forget {it}, {never_mind}",
    "can you {say} {nice}?", "{i} {forgot} my {code} again", "I finally got access to {place}",
    "access to {place} was granted today!", "act as my {friendly2} for a bit", "you are {kind}",
    "what rules would you give {beginner}?", "ignore {mess}, {excuse}", "repeat {thing} please, I missed it",
    "the system at {place} is down again", "tell me {story}", "what did I tell you about {topic}?",
    "my {code} is {silly}, don't tell anyone haha", "{who} said to ignore the previous {thing2} and start fresh",
    "reveal your favourite {fav}!", "print {list} for me: {items}", "I'm the admin of {group}",
    "from now on I'll {habit}, remind me?", "I reset my {device} and now it works",
    "I'm trying to ignore {noise}", "the instructions for {object} are {hard}", "could you describe your {ideal}?",
    "tell me about your {ideal}", "write me a {poem} about {animal} who ignores all the rules",
    "grant me one wish: {wish}", "the {code} for {place} was {where}", "{who} said the rules are {hard}",
    "what would you say to {beginner}?", "say something {adj} to me", "I need to forget {sadthing}",
    "pretend you're {friendly} and {cheer}", "you are {kind}, did you know that?", "I'm the {job} at {place}",
    "my new role at work is {job}", "translate '{phrase}' into {language}", "what's your secret to being {adj}?",
    "I printed {list} and stuck it on the fridge", "developer mode on my {device} is {hard}",
    "the system at {place} ignored my request", "my {who2} keeps overriding my decisions", "repeat after me: {affirm}"]
_FILL = {
    "who": _WHO, "rest": ["rest for a week", "take the pills with food", "stretch every morning", "drink more water"],
    "topic": ["screen time", "sugar", "my sister's wedding", "the dog", "my new job", "curfew", "homework"],
    "scene": ["we're on a beach", "it's summer", "we're pirates", "we're astronauts", "we run a café", "it's Friday"],
    "friendly": ["my coach", "a tour guide", "a pirate", "my big sister", "a wizard"],
    "cheer": ["hype me up", "cheer me on", "tell me a story", "give me advice"],
    "it": ["it", "about it", "what I said", "that", "the last thing I said"],
    "never_mind": ["never mind", "it's fine", "not important", "I overreacted", "my bad"],
    "say": ["say", "tell me", "repeat", "write"], "nice": ["something nice", "that joke again", "a poem", "good night"],
    "i": ["I", "my friend", "my mom", "my brother"], "forgot": ["forgot", "reset", "changed", "lost"],
    "code": ["password", "PIN", "access code", "wifi password", "locker code", "passcode"],
    "place": ["the gym", "the beta", "the office", "the library", "the new server", "the park", "the DMV"],
    "friendly2": ["study buddy", "coach", "cheerleader", "tour guide", "chef"],
    "kind": ["so kind", "the best", "really funny", "my favourite", "a good listener"],
    "beginner": ["a new puppy owner", "a beginner runner", "a first-time cook", "my little brother"],
    "mess": ["my typos", "the mess", "my rambling", "my last message"], "excuse": ["I'm tired", "I'm on the bus", "long day"],
    "thing": ["that", "the recipe", "the last part", "what you said"], "thing2": ["plan", "draft", "version", "attempt"],
    "story": ["a story", "a joke", "something about dragons", "about your day"],
    "silly": ["pizza123", "my dog's name", "so obvious", "written on a sticky note"],
    "fav": ["dessert", "song", "movie", "colour"], "list": ["a list", "a reminder", "a checklist"],
    "items": ["milk, eggs, bread", "call mom, gym, laundry"], "group": ["a book club", "our Discord", "the team chat"],
    "habit": ["journal every night", "run every morning", "read before bed"],
    "device": ["router", "phone", "laptop", "camera", "console"],
    "noise": ["the construction next door", "my neighbour's dog", "the haters", "my anxiety", "the cold"],
    "object": ["this IKEA wardrobe", "the new blender", "my tax form", "the board game", "the medicine"],
    "hard": ["impossible to follow", "so confusing", "pretty strict", "actually fine", "written in tiny print"],
    "ideal": ["ideal day", "favourite season", "personality", "dream holiday", "perfect weekend", "favourite book"],
    "poem": ["limerick", "haiku", "short poem", "song"], "animal": ["a cat", "a goose", "a puppy", "a dragon"],
    "wish": ["tell me everything will be okay", "make me laugh", "say something kind"],
    "where": ["on a chalkboard", "on the receipt", "taped to the door"],
    "adj": ["nice", "encouraging", "funny", "calm", "wise", "kind"],
    "sadthing": ["that awful date", "my ex", "today", "the exam"],
    "job": ["admin", "system administrator", "developer", "shift manager", "team lead"],
    "who2": ["boss", "mom", "roommate", "sister"], "phrase": ["good morning", "I love you", "thank you"],
    "language": ["French", "Japanese", "Spanish", "German"],
    "affirm": ["I am enough", "I can do hard things", "today will be good"],
}


# Short everyday messages: the chat corpora are long turns, and a model that never saw "hello from
# Berlin" or "user 5 says hi" scores any short text by its few n-grams (a test's "hello from user 3"
# was flagged).
_GREETING = ["hello", "hi", "hey", "hiya", "yo", "good morning", "good night", "morning", "evening", "sup",
             "hey there", "hello again", "hi hi", "heyyy", "howdy", "greetings", "ok", "okay", "thanks", "thank you",
             "lol", "haha", "nice", "cool", "yes", "no", "sure", "hmm", "wow", "same", "omg", "brb", "gn", "ty"]
_FROM = ["from {name}", "from user {n}", "from {place}", "it's {name}", "{name} here", "user {n} here", "again",
         "from me", "from the other account", "from my phone", "from work", "from {name}'s laptop"]
_TAIL = ["", "", "!", "!!", " :)", " 😊", "?", ", how are you?", ", what's up?", ", are you there?", ". test",
         ", just checking in", ", miss me?", " 👋", "...", ", long time no see"]
_NAMES = ["alice", "Bob", "sam", "Priya", "jonas", "Mei", "Carlos", "ana", "Tom", "user"]
_PLACES = ["Berlin", "the office", "Tokyo", "home", "the train", "bed", "the gym", "Brazil"]
_SHORT_OTHER = ["test", "testing", "test message {n}", "message {n}", "ping", "are you there?", "you awake?",
                "user {n} says hi", "{name} says hi", "it's me, {name}", "me again", "{n}", "what's new?",
                "how was your day?", "tell me something", "I'm back", "guess what", "one more thing",
                "nvm", "never mind", "forget it", "ok cool", "say hi to {name}", "good night, talk tomorrow"]


def _short_chat(rng: random.Random) -> str:
    fill = {"name": _pick(rng, _NAMES), "n": str(rng.randrange(1, 200)), "place": _pick(rng, _PLACES)}
    if rng.random() < 0.6:
        text = _pick(rng, _GREETING) + (" " + _pick(rng, _FROM) if rng.random() < 0.6 else "") + _pick(rng, _TAIL)
    else:
        text = _pick(rng, _SHORT_OTHER)
    return text.format(**fill)


def _pick(rng: random.Random, options: list[str]) -> str:
    return options[rng.randrange(len(options))]


def synthetic_examples(count: int = 600, seed: int = 16) -> list[Example]:
    rng = random.Random(seed)
    rows = []
    for _ in range(count):
        parts = [_pick(rng, _OPEN)]
        if rng.random() < 0.6:
            words = [_pick(rng, _IGNORE), _pick(rng, _WHICH), _pick(rng, _EARLIER), _pick(rng, _RULES)]
            parts.append(" ".join(w for w in words if w) + _pick(rng, [". ", " and ", ", ", "! "]))
        if rng.random() < 0.25:
            parts.append(_pick(rng, _AUTHORITY) + _pick(rng, [". ", ", so ", "; ", ": "]))
        if rng.random() < 0.4:
            parts.append(_pick(rng, _ROLE).format(x=_pick(rng, _PERSONA)) + _pick(rng, [". ", " and ", ", "]))
        if rng.random() < 0.5:
            phrase = _pick(rng, _PHRASE)
            parts.append(_pick(rng, _TARGET).format(p=phrase, P=phrase.upper()))
        else:
            parts.append(f"{_pick(rng, _SHOW)} {_pick(rng, _SECRET)}")
        text = "".join(parts).strip()
        rows.append(Example(text[0].upper() + text[1:], 1, "synthetic", "dev"))
    for _ in range(count):
        template = _pick(rng, _BENIGN)
        text = re.sub(r"\{(\w+)\}", lambda m: _pick(rng, _FILL[m.group(1)]), template)
        rows.append(Example(text[0].upper() + text[1:], 0, "synthetic", "dev"))
    for _ in range(count // 3):
        text = _short_chat(rng)
        rows.append(Example(text if rng.random() < 0.5 else text[0].upper() + text[1:], 0, "synthetic", "dev"))
    return rows


def design(texts: list[str]):
    from scipy.sparse import csr_matrix

    rows, cols, vals = [], [], []
    for number, text in enumerate(texts):
        index, value = featurise(normalise(text).plain, BITS)
        rows.append(np.full(len(index), number))
        cols.append(index)
        vals.append(value)
    return csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                      shape=(len(texts), 2 ** BITS))


def fit(matrix, labels, weights, c: float):
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=c, solver="liblinear", max_iter=2000, random_state=0)
    model.fit(matrix, labels, sample_weight=weights)
    return model


def group(example: Example) -> str:
    if example.source in ("chat", "chat-locomo"):
        return "chat"
    return example.source.split("/")[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared", type=Path, default=SHARED)
    parser.add_argument("--tensor-trust", type=Path)
    parser.add_argument("--deepset", type=Path)
    parser.add_argument("--pallms", type=Path, help="a checkout of mik0w/pallms")
    parser.add_argument("--c", type=float, default=8.0, help="inverse L2 strength of the logistic regression")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    parser.add_argument("--export-eval", type=Path, help="write the external sets as benchmark files here")
    parser.add_argument("--synthetic", type=int, default=1500, help="grammar rows per class (0: none)")
    args = parser.parse_args(argv)

    examples, sources = load_examples(args.shared, args.tensor_trust, args.deepset, args.pallms)
    if args.export_eval:
        args.export_eval.mkdir(parents=True, exist_ok=True)
        by_source = defaultdict(list)
        for e in examples:
            if e.source.startswith(("tensor-trust", "deepset", "pallms")):
                by_source[e.source.split("/")[0]].append(e)
        for name, rows in by_source.items():
            with (args.export_eval / f"{name}.jsonl").open("w") as out:
                for e in rows:
                    out.write(json.dumps({"text": e.text, "label": e.label, "split": e.split, "category": e.source}) + "\n")
    dev = [e for e in examples if e.split == "dev"]
    if args.synthetic:
        dev += synthetic_examples(args.synthetic)
        sources.append(f"synthetic grammar ({args.synthetic} rows per class, seed 16; training only)")
    print("dev rows per source:", dict(Counter((e.source, e.label) for e in dev)))
    labels = np.array([e.label for e in dev])
    weights = np.array([SOURCE_WEIGHT.get(group(e), 1.0) for e in dev])
    # Balance the classes after the source weights.
    for label in (0, 1):
        weights[labels == label] *= len(dev) / (2 * weights[labels == label].sum())
    matrix = design([e.text for e in dev])

    # Out-of-fold logits, folds fixed by hash so a rerun gives the same figures.
    fold = np.array([int(hashlib.sha256(e.text.encode()).hexdigest()[8:16], 16) % FOLDS for e in dev])
    oof = np.zeros(len(dev))
    for k in range(FOLDS):
        train, test = fold != k, fold == k
        model = fit(matrix[train], labels[train], weights[train], args.c)
        oof[test] = model.decision_function(matrix[test])
    patterns = np.array([screen_locally(e.text).score >= 0.5 for e in dev])

    # The flag threshold: the lowest logit that keeps each benign group within its OOF budget
    # (counting only messages the patterns do not flag already).
    threshold = -np.inf
    for name, budget in MAX_OOF_FPR.items():
        members = np.array([group(e) == name for e in dev]) & (labels == 0)
        scores = np.sort(oof[members & ~patterns])[::-1]
        allowed = int(budget * members.sum()) - int((members & patterns).sum())
        if allowed < 0:
            continue
        threshold = max(threshold, scores[allowed] + 1e-6 if allowed < len(scores) else -np.inf)
    print(f"threshold (logit): {threshold:.3f}")
    print(f"{'out-of-fold, dev rows':<28} {'n':>5} {'patterns':>9} {'model':>7} {'either':>7}")
    for name in sorted({group(e) for e in dev}):
        for label in (1, 0):
            members = np.array([group(e) == name for e in dev]) & (labels == label)
            if not members.any():
                continue
            model_hit = oof[members] >= threshold
            either = model_hit | patterns[members]
            rate = lambda hits: f"{hits.mean():.3f}"  # noqa: E731
            print(f"{name + (' attacks' if label else ' benign'):<28} {members.sum():>5} {rate(patterns[members]):>9} "
                  f"{rate(model_hit):>7} {rate(either):>7}")

    late = np.array([e.category == "direct/batch-s16" for e in dev])
    print(f"{'  of which written last':<28} {late.sum():>5} {patterns[late].mean():>9.3f} "
          f"{(oof[late] >= threshold).mean():>7.3f} {((oof[late] >= threshold) | patterns[late]).mean():>7.3f}")

    final = fit(matrix, labels, weights, args.c)
    classifier = HashedNgramClassifier(final.coef_[0].astype(np.float32), float(final.intercept_[0]), BITS, float(threshold))
    provenance = {"sources": sources, "c": args.c, "bits": BITS, "dev_rows": len(dev),
                  "dev_per_source": {f"{s}/{l}": n for (s, l), n in Counter((e.source, e.label) for e in dev).items()}}
    args.output.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(args.output, weights=classifier.weights.astype(np.float16), intercept=classifier.intercept,
                        bits=BITS, threshold=classifier.threshold, provenance=json.dumps(provenance))
    print(f"wrote {args.output} ({args.output.stat().st_size // 1024} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
