"""edXML packets (QCVN 102:2016): models, reader, builder, validator, attachments."""

from qnegov.edxml._models import *  # noqa: F403
from qnegov.edxml._reader import read
from qnegov.edxml._builder import build, write
from qnegov.edxml._validate import validate
