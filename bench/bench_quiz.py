"""POST /api/quiz/ for 20 demo answers, timed call by call against POST /api/quote/ of the same
routine (the quiz's own pricing path, as a shopper's next request would send it).

The quiz does more than the quote: it checks the answers, scores and searches the routine's
candidates, prices through the quote service and writes a completion row. The issue's target:
at most 3x a quote (`TARGET_TIMES_QUOTE`), medians in the same run. Both sides rotate over the
same client addresses, so the anonymous rate limit never answers for either.
"""

from __future__ import annotations

import itertools
import json
from typing import Any

from django.test import Client, override_settings

from bench.timing import count_queries, measure_against, record

TARGET_TIMES_QUOTE = 3
SKIN = ("oily", "combination", "dry", "normal")
CONCERN_SETS = (
    [],
    ["pores"],
    ["fine_lines", "firmness"],
    ["breakouts", "pores"],
    ["dullness"],
)


def demo_answers() -> list[dict[str, Any]]:
    """20 answers: every skin type with five concern sets, sensitivity and makeup alternating."""
    return [
        {
            "skin_type": skin,
            "concerns": concerns,
            "sensitive": "yes" if i % 2 else "no",
            "makeup": "yes" if i % 3 else "no",
        }
        for i, (skin, concerns) in enumerate(itertools.product(SKIN, CONCERN_SETS))
    ]


def run() -> list[dict[str, Any]]:
    with override_settings(DEBUG=False):
        client = Client()
        answers = demo_answers()
        bodies = [json.dumps({"answers": a}) for a in answers]
        quotes = []
        for body in bodies:
            answer = client.post("/api/quiz/", body, content_type="application/json")
            assert answer.status_code == 200, answer.content
            result = answer.json()
            items = [{"routine": result["routine"], "selections": result["selections"]}]
            quotes.append(json.dumps({"items": items}))
        quiz_turn, quote_turn = itertools.count(), itertools.count()
        addresses = [f"10.9.{i // 250}.{i % 250 + 1}" for i in range(2000)]

        def quiz() -> None:
            i = next(quiz_turn)
            response = client.post(
                "/api/quiz/",
                bodies[i % len(bodies)],
                content_type="application/json",
                REMOTE_ADDR=addresses[i % len(addresses)],
            )
            assert response.status_code == 200, response.content

        def quote() -> None:
            i = next(quote_turn)
            response = client.post(
                "/api/quote/",
                quotes[i % len(quotes)],
                content_type="application/json",
                REMOTE_ADDR=addresses[i % len(addresses)],
            )
            assert response.status_code == 200, response.content

        queries = count_queries(quiz)
        quote_timing, quiz_timing = measure_against(quote, quiz, repeat=400, warmup=40)
    quote_row = record(
        "api.quote of the quiz's routine (20 demo answers' selections)", quote_timing
    )
    quiz_row = record(
        "api.quiz POST, 20 demo answers",
        quiz_timing,
        floor=quote_row,
        queries=queries,
        target_times_quote=TARGET_TIMES_QUOTE,
    )
    quiz_row["meets_target"] = quiz_row["ratio"] <= TARGET_TIMES_QUOTE
    return [quote_row, quiz_row]
