"""`python -m langchain_aihubmix.testing [--host H] [--port P] [--key K]`: serve it."""

from __future__ import annotations

import argparse
import sys
import threading

from langchain_aihubmix.testing.emulator import DEFAULT_API_KEY, AiHubMixEmulator


def main(argv: list[str] | None = None) -> int:
    """Serve until interrupted, after printing base_url and key."""
    parser = argparse.ArgumentParser(prog="python -m langchain_aihubmix.testing")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--key", default=DEFAULT_API_KEY)
    args = parser.parse_args(argv)
    hub = AiHubMixEmulator(host=args.host, port=args.port, api_key=args.key).start()
    sys.stdout.write(f"base_url={hub.base_url}\napi_key={hub.api_key}\n")
    sys.stdout.write(
        f"export AIHUBMIX_BASE_URL={hub.base_url} AIHUBMIX_API_KEY={hub.api_key}\n"
    )
    sys.stdout.flush()
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        hub.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
