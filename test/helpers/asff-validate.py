"""Validates BatchImportFindings input against botocore's Security Hub model (the API's own shapes).

Reads {"Findings": [...]} as JSON on stdin; prints a JSON list of error messages (empty: valid).
botocore comes with moto[server] in ./.venv (scripts/python-env.sh test).
"""
import json
import sys

import botocore.session
from botocore.validate import ParamValidator

session = botocore.session.get_session()
model = session.get_service_model('securityhub')
shape = model.operation_model('BatchImportFindings').input_shape
params = json.load(sys.stdin)
report = ParamValidator().validate(params, shape)
errors = report.generate_report().splitlines() if report.has_errors() else []
print(json.dumps({'botocore': botocore.__version__, 'errors': [e for e in errors if e.strip()]}))
