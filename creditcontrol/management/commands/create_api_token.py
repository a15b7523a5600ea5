"""manage.py create_api_token USERNAME --name NAME [--days N] [--read-only]: prints the secret, once."""

from django.core.management.base import BaseCommand, CommandError

from creditcontrol.errors import DomainError
from creditcontrol.tokens import DEFAULT_DAYS, MAX_DAYS, create_token, user_by_username


class Command(BaseCommand):
    help = "Create a personal API token for a user and print its secret (shown only this once)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", required=True, help="What the token is for, e.g. 'ERP feed'")
        parser.add_argument(
            "--days", type=int, default=DEFAULT_DAYS, help=f"Days until it expires (1 to {MAX_DAYS})"
        )
        parser.add_argument("--read-only", action="store_true", help="The token can only read (GET)")

    def handle(self, *args, username, name, days, read_only, **options):
        user = user_by_username(username)
        if user is None:
            raise CommandError(f"No user '{username}'.")
        try:
            token, secret = create_token(user, name, expires_in_days=days, read_only=read_only)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stderr.write(
            f"Token '{token.name}' ({token.prefix}…) for {username}, "
            f"{'read-only, ' if token.read_only else ''}expires {token.expires_at:%Y-%m-%d %H:%M} UTC. "
            "The secret is shown only now:"
        )
        self.stdout.write(secret)
