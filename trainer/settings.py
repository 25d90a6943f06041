"""Every setting, from the environment (`CALLCOACH_*`) or a `.env` file, validated once."""

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _data_dir(name: str) -> Path:
    """A data folder in the working directory if it has one, else the project's own."""
    local = Path.cwd() / name
    return local if local.is_dir() else PROJECT_ROOT / name


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CALLCOACH_", env_file=".env", extra="ignore")

    personas_dir: Path = Field(default_factory=lambda: _data_dir("personas"))
    rubrics_dir: Path = Field(default_factory=lambda: _data_dir("rubrics"))
    sessions_dir: Path = Field(default_factory=lambda: _data_dir("sessions"))
    database_url: str | None = Field(
        None, description="SQLAlchemy URL; default: SQLite file callcoach.db in sessions_dir."
    )

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.sessions_dir / 'callcoach.db').resolve()}"


def load_settings() -> Settings:
    return Settings()
