"""The API's data models, generated from openapi.yaml (`quantinuum_api_client.models`).

`from quantinuum_api.models import Machine, JobRequest`. `quantinuum_api.Job` is the SDK's
job document with result helpers; `quantinuum_api.models.Job` is the generated model it wraps.
"""

from quantinuum_api_client.models import *  # noqa: F403
from quantinuum_api_client.models import __all__ as __all__
