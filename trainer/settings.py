"""Every setting, from the environment (`CALLCOACH_*`) or a `.env` file, validated once."""

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _data_dir(name: str) -> Path:
    """A data folder in the working directory if it has one, else the project's own."""
    local = Path.cwd() / name
    return local if local.is_dir() else PROJECT_ROOT / name


class Settings(BaseSettings):
    """Every setting; `trainer serve --help` and the README list them with their defaults."""

    model_config = SettingsConfigDict(env_prefix="CALLCOACH_", env_file=".env", extra="ignore")

    personas_dir: Path = Field(default_factory=lambda: _data_dir("personas"))
    rubrics_dir: Path = Field(default_factory=lambda: _data_dir("rubrics"))
    sessions_dir: Path = Field(default_factory=lambda: _data_dir("sessions"))
    database_url: str | None = Field(
        None, description="SQLAlchemy URL; default: SQLite file callcoach.db in sessions_dir."
    )
    cache_dir: Path = Field(
        default_factory=lambda: PROJECT_ROOT / ".cache", description="Trained models; safe to delete."
    )
    # Voice (issue 5).
    stt_engine: str = Field("faster-whisper", description="faster-whisper, sphinx (unreliable) or openai.")
    stt_model: str | None = Field(None, description="A faster-whisper model folder or name; default: packaged tiny.en.")
    stt_threads: int = Field(2, ge=1, le=64)
    tts_engine: Literal["piper", "espeak", "pyttsx3"] | None = Field(
        None, description="piper, espeak or pyttsx3 for every customer; default: the persona's, else piper."
    )
    warm_voices: bool = Field(True, description="At start, synthesize every persona's lines in the background.")
    abandon_after_minutes: float = Field(30.0, gt=0, description="A call idle this long is closed as abandoned.")
    max_upload_mb: int = Field(25, ge=1, le=500, description="Larger uploads are refused before they are stored.")
    max_reply_seconds: float = Field(120.0, gt=1, le=1800, description="Longer recordings are refused.")
    # Hands-free calls (issue 14): the trainee just talks; a pause ends their turn.
    hands_free_default: bool = Field(True, description="Calls start hands-free (push-to-talk stays a choice).")
    sentence_pause_ms: int = Field(300, ge=90, le=3000, description="A pause after a finished sentence ends a turn.")
    open_pause_ms: int = Field(1000, ge=200, le=5000, description="A pause in mid-sentence that ends a turn.")
    recordings_retention_days: int = Field(90, ge=0, description="Delete call audio after this many days; 0 keeps it.")
    login_max_delay: float = Field(30.0, ge=0, le=600, description="Longest wait before a login check, after failures.")
    login_lock_after: int = Field(10, ge=3, description="Failed logins within 15 minutes that lock an account.")
    login_lock_minutes: float = Field(15.0, ge=0, description="How long a locked account stays locked.")
    # LLM customers (issue 7). The two OPENAI_* names are the ones the openai client and
    # every OpenAI-compatible server's docs use, so they carry no CALLCOACH_ prefix.
    openai_base_url: str | None = Field(
        None,
        validation_alias=AliasChoices("openai_base_url", "OPENAI_BASE_URL"),
        description="OpenAI-compatible endpoint, e.g. http://localhost:11434/v1 for Ollama; unset: OpenAI.",
    )
    openai_api_key: SecretStr | None = Field(
        None,
        validation_alias=AliasChoices("openai_api_key", "OPENAI_API_KEY"),
        description="Needed for OpenAI; a self-hosted endpoint gets a placeholder when unset.",
    )
    llm_model: str | None = Field(None, description="The model the endpoint serves, e.g. llama3.2:1b.")
    llm_timeout: float = Field(4.0, gt=0, le=120, description="Seconds for one whole customer line.")
    # The web app (issue 6).
    host: str = Field("127.0.0.1", description="Where `trainer serve` listens; 0.0.0.0 exposes it to the network.")
    port: int = Field(7860, ge=1, le=65535)
    users_file: Path | None = Field(
        None, description="Accounts for the app (`trainer users add`); default: users.json in sessions_dir."
    )

    @field_validator("openai_base_url", "openai_api_key", "llm_model", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        """`export OPENAI_BASE_URL=` means unset, not an empty URL."""
        return None if isinstance(value, str) and not value.strip() else value

    @property
    def hands_free(self):
        """The pauses that end a hands-free turn, as the turn detector takes them."""
        from trainer.handsfree.turns import TurnSettings

        return TurnSettings(sentence_pause_ms=self.sentence_pause_ms, open_pause_ms=self.open_pause_ms)

    def resolved_users_file(self) -> Path:
        return self.users_file or self.sessions_dir / "users.json"

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.sessions_dir / 'callcoach.db').resolve()}"


def load_settings() -> Settings:
    return Settings()
