"""api_tokens: personal access tokens for the API (stored hashed), and the token an audit
event was made through

Revision ID: a17b3c5d7e90
Revises: b19c2d4e6f81
Create Date: 2026-12-07 01:20:00.000000

"""

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = "a17b3c5d7e90"
down_revision = "b19c2d4e6f81"
branch_labels = None
depends_on = None

UTC = sa.DateTime(timezone=True)


def upgrade():
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column(
            "scope",
            sa.Enum(
                "read",
                "write",
                name="token_scope",
                native_enum=False,
                length=32,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("expires_at", UTC, nullable=False),
        sa.Column("last_used_at", UTC, nullable=True),
        sa.Column("revoked_at", UTC, nullable=True),
        sa.CheckConstraint(
            "expires_at > created_at", name=op.f("ck_api_tokens_expires_after_creation")
        ),
        sa.CheckConstraint("length(name) > 0", name=op.f("ck_api_tokens_name_given")),
        sa.CheckConstraint("length(secret_hash) = 64", name=op.f("ck_api_tokens_sha256_hex")),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_api_tokens_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("secret_hash", name=op.f("uq_api_tokens_secret_hash")),
    )
    op.create_index(op.f("ix_api_tokens_user_id"), "api_tokens", ["user_id"], unique=False)
    op.create_index(
        "ix_api_tokens_user_name_unrevoked",
        "api_tokens",
        ["user_id", "name"],
        unique=True,
        postgresql_where=sa.text("revoked_at IS NULL"),
        sqlite_where=sa.text("revoked_at IS NULL"),
    )
    # a plain id, like object_id, not a foreign key: added in place (a batch rebuild on SQLite
    # would drop the append-only triggers), and SQLite keeps no name for a constraint added so
    op.add_column("audit_events", sa.Column("api_token_id", sa.Integer(), nullable=True))


def downgrade():
    op.drop_column("audit_events", "api_token_id")
    op.drop_index("ix_api_tokens_user_name_unrevoked", table_name="api_tokens")
    op.drop_index(op.f("ix_api_tokens_user_id"), table_name="api_tokens")
    op.drop_table("api_tokens")
