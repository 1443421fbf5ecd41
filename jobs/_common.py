"""Shared plumbing for the Sluice example jobs: data loading, progress output and exit codes.

Exit codes (the scheduler adapters rely on them):
  0   success
  2   bad arguments or bad data; retrying will not help (the message names the thing to fix)
  75  transient failure (EX_TEMPFAIL): MLflow or S3 unreachable, throttled or 5xx; safe to retry
  1   anything else (a bug), with a traceback
"""

from __future__ import annotations

import io
import os
import sys
import time
import traceback
from typing import Callable, NoReturn
from urllib.parse import unquote, urlparse

EXIT_BAD_INPUT = 2
EXIT_TRANSIENT = 75

# Fail over to the orchestrator's retry policy quickly instead of MLflow's long default backoff.
os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "3")
os.environ.setdefault("MLFLOW_HTTP_REQUEST_TIMEOUT", "60")
os.environ.setdefault("GIT_PYTHON_REFRESH", "quiet")


class BadInput(Exception):
    """Bad arguments or data: exit 2."""


class Transient(Exception):
    """A dependency is unavailable for now: exit 75."""


_started = time.monotonic()


def log(job: str, message: str) -> None:
    print(f"[{job} +{time.monotonic() - _started:5.1f}s] {message}", flush=True)


def read_bytes(uri: str) -> bytes:
    """Reads s3://bucket/key (boto3, honouring AWS_ENDPOINT_URL and the usual credential variables) or a file."""
    parsed = urlparse(uri)
    if parsed.scheme == "s3":
        return _read_s3(parsed.netloc, parsed.path.lstrip("/"), uri)
    if parsed.scheme in ("file", ""):
        path = unquote(parsed.path) if parsed.scheme == "file" else uri
        try:
            with open(path, "rb") as f:
                return f.read()
        except FileNotFoundError:
            raise BadInput(f"{uri}: file not found; check the path") from None
        except IsADirectoryError:
            raise BadInput(f"{uri}: is a directory; give a CSV file") from None
    raise BadInput(f"{uri}: unsupported URI scheme {parsed.scheme!r}; use s3://bucket/key or file:///path")


def _read_s3(bucket: str, key: str, uri: str) -> bytes:
    import boto3
    from botocore.config import Config
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

    if not bucket or not key:
        raise BadInput(f"{uri}: expected s3://bucket/key")
    # Local S3 stand-ins (moto, MinIO) only answer path-style requests.
    custom = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
    config = Config(s3={"addressing_style": "path"} if custom else {}, retries={"max_attempts": 3, "mode": "standard"})
    try:
        return boto3.client("s3", config=config).get_object(Bucket=bucket, Key=key)["Body"].read()
    except NoCredentialsError:
        raise BadInput(f"{uri}: no S3 credentials; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY") from None
    except ClientError as e:
        code = e.response.get("Error", {}).get("Code", "")
        status = e.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        if code in ("NoSuchKey", "404", "NotFound"):
            raise BadInput(f"{uri}: object not found in bucket {bucket}; check the key") from None
        if code == "NoSuchBucket":
            raise BadInput(f"{uri}: bucket {bucket} does not exist") from None
        if status in (401, 403) or code in ("AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch"):
            raise BadInput(f"{uri}: access denied ({code}); check the S3 credentials") from None
        if status >= 500 or status == 429 or code in ("SlowDown", "RequestTimeout", "ServiceUnavailable"):
            raise Transient(f"{uri}: S3 answered {status} {code}; retry later") from e
        raise BadInput(f"{uri}: S3 error {status} {code}: {e}") from None
    except BotoCoreError as e:
        # EndpointConnectionError, ConnectTimeoutError, ReadTimeoutError and friends.
        raise Transient(f"{uri}: cannot reach S3 ({e})") from e


def read_csv(uri: str, what: str):
    import pandas as pd

    data = read_bytes(uri)
    try:
        df = pd.read_csv(io.BytesIO(data))
    except (pd.errors.EmptyDataError, pd.errors.ParserError, UnicodeDecodeError) as e:
        raise BadInput(f"{what} {uri}: not a readable CSV ({e})") from None
    if df.empty:
        raise BadInput(f"{what} {uri}: has a header but no rows")
    return df


def binary_target(df, target: str, what: str):
    """The target column as 0/1 integers; accepts booleans, 0/1 and true/false/yes/no strings."""
    if target not in df.columns:
        raise BadInput(f"{what}: target column {target!r} not found; columns are {', '.join(map(str, df.columns))}")
    col = df[target]
    if col.isna().any():
        raise BadInput(f"{what}: target column {target!r} has {int(col.isna().sum())} empty values")
    if col.dtype == bool:
        return col.astype(int)
    mapping = {"true": 1, "false": 0, "yes": 1, "no": 0, "1": 1, "0": 0, "1.0": 1, "0.0": 0}
    mapped = col.astype(str).str.strip().str.lower().map(mapping)
    if mapped.isna().any():
        bad = sorted(set(col[mapped.isna()].astype(str)))[:5]
        raise BadInput(f"{what}: target column {target!r} must be binary (0/1 or true/false); found {bad}")
    return mapped.astype(int)


def _is_connection_problem(e: BaseException) -> bool:
    text = f"{type(e).__name__} {e}"
    markers = ("Max retries exceeded", "Connection refused", "ConnectionError", "ConnectTimeout", "ReadTimeout",
               "TEMPORARILY_UNAVAILABLE", "Temporary failure in name resolution", "database is locked")
    return any(m in text for m in markers)


def run_job(job: str, main: Callable[[], None]) -> NoReturn:
    """Runs `main` and exits with the code that tells the orchestrator whether a retry can help."""
    try:
        main()
    except BadInput as e:
        print(f"[{job}] error: {e}", file=sys.stderr, flush=True)
        sys.exit(EXIT_BAD_INPUT)
    except Transient as e:
        print(f"[{job}] transient error (exit {EXIT_TRANSIENT}, retry later): {e}", file=sys.stderr, flush=True)
        sys.exit(EXIT_TRANSIENT)
    except Exception as e:  # noqa: BLE001 - classify everything else once, here
        try:
            from mlflow.exceptions import MlflowException
        except ImportError:  # pragma: no cover
            MlflowException = ()  # type: ignore[assignment]
        if _is_connection_problem(e):
            print(f"[{job}] transient error (exit {EXIT_TRANSIENT}, retry later): {e}", file=sys.stderr, flush=True)
            sys.exit(EXIT_TRANSIENT)
        if isinstance(e, MlflowException) and e.error_code in ("RESOURCE_DOES_NOT_EXIST", "INVALID_PARAMETER_VALUE"):
            print(f"[{job}] error: MLflow rejected the request ({e.error_code}): {e.message}", file=sys.stderr, flush=True)
            sys.exit(EXIT_BAD_INPUT)
        traceback.print_exc()
        print(f"[{job}] failed: {type(e).__name__}: {e}", file=sys.stderr, flush=True)
        sys.exit(1)
    sys.exit(0)
