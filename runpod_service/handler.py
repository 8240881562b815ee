"""The RunPod serverless worker: the SDK's job loop around healthopt's trial handler.

On RunPod the SDK takes jobs from the endpoint's queue; locally
`python runpod_service/handler.py --test_input "$(cat runpod_service/test_input.json)"` runs one
job and exits. The handler itself lives in `healthopt.runpod_serverless.handler` so it is
tested with the package.
"""

import runpod

from healthopt.runpod_serverless.handler import handle

if __name__ == "__main__":
    runpod.serverless.start({"handler": handle})
