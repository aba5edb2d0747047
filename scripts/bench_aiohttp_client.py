"""The reference client for `make bench`: the same completions load as the workbench's own
client, sent by Python's aiohttp (asyncio) to the same simulator.

usage: bench_aiohttp_client.py BASE_URL IN_FLIGHT TOTAL
prints one JSON line: {"calls": N, "seconds": S, "cpu_seconds": C}
"""
import asyncio
import json
import os
import sys
import time

import aiohttp

BODY = {
    "model": "sim-1",
    "messages": [
        {"role": "system", "content": "You are a novelist."},
        {"role": "user", "content": "Write about 40 words."},
    ],
    "max_tokens": 80,
    "seed": 1,
}


async def main(base_url: str, in_flight: int, total: int) -> None:
    url = base_url.rstrip("/") + "/chat/completions"
    connector = aiohttp.TCPConnector(limit=in_flight)
    remaining = total

    async with aiohttp.ClientSession(connector=connector) as session:
        async def worker() -> None:
            nonlocal remaining
            while remaining > 0:
                remaining -= 1
                async with session.post(url, json=BODY) as response:
                    payload = await response.json()
                    if response.status != 200 or not payload["choices"][0]["message"]["content"]:
                        raise RuntimeError(f"bad answer: {response.status}")

        cpu_start = time.process_time()
        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(in_flight)))
        seconds = time.perf_counter() - start
        cpu = time.process_time() - cpu_start
    print(json.dumps({"calls": total, "seconds": seconds, "cpu_seconds": cpu}))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3])))
