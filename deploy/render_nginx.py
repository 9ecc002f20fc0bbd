"""Render deploy/nginx.conf for one site. Standard library only, so it runs
anywhere Python 3 does:

    python3 deploy/render_nginx.py --upstream 127.0.0.1:8001 --upstream 127.0.0.1:8002 \\
        --server-name chat.example.com --listen 80 \\
        --static-root /srv/contactcenter/var/static > /etc/nginx/conf.d/contactcenter.conf

One --upstream per daphne process (`python -m contactcenter.serve --port N`);
processes sharing one port through SO_REUSEPORT (`WORKERS=N make run`) are one
upstream. Every placeholder must be given: a missing one is an error, never an
empty line in the config.
"""
import argparse
import string
import sys
from pathlib import Path

TEMPLATE_PATH = Path(__file__).resolve().parent / "nginx.conf"


class NginxTemplate(string.Template):
    # Only ${UPPER_CASE} is a placeholder: nginx's $host, $http_upgrade, ...
    # match no group and pass through untouched.
    flags = 0
    pattern = r"""
        \$(?:
            \{(?P<braced>[A-Z][A-Z0-9_]*)\}
            | (?P<escaped>(?!))
            | (?P<named>(?!))
            | (?P<invalid>(?!))
        )
    """


def render(*, upstreams: list[str], server_name: str, listen: str, static_root: str) -> str:
    if not upstreams:
        raise ValueError("at least one upstream (host:port of a daphne process)")
    return NginxTemplate(TEMPLATE_PATH.read_text()).substitute(
        UPSTREAM_SERVERS="\n    ".join(f"server {address};" for address in upstreams),
        SERVER_NAME=server_name,
        LISTEN=listen,
        STATIC_ROOT=str(static_root).rstrip("/"),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--upstream", action="append", required=True, metavar="HOST:PORT",
                        help="a daphne process; repeat for each")
    parser.add_argument("--server-name", required=True, help="nginx server_name, e.g. chat.example.com")
    parser.add_argument("--listen", default="80", help="nginx listen value (default 80)")
    parser.add_argument("--static-root", required=True, help="the STATIC_ROOT collectstatic filled")
    args = parser.parse_args()
    sys.stdout.write(render(upstreams=args.upstream, server_name=args.server_name, listen=args.listen,
                            static_root=args.static_root))


if __name__ == "__main__":
    main()
