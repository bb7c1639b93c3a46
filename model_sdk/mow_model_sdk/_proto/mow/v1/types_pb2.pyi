from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class TaskKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TASK_KIND_UNSPECIFIED: _ClassVar[TaskKind]
    TASK_KIND_REGRESSION: _ClassVar[TaskKind]
    TASK_KIND_CLASSIFICATION: _ClassVar[TaskKind]
    TASK_KIND_FORECASTING: _ClassVar[TaskKind]

class ParamType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PARAM_TYPE_UNSPECIFIED: _ClassVar[ParamType]
    PARAM_TYPE_FLOAT: _ClassVar[ParamType]
    PARAM_TYPE_INT: _ClassVar[ParamType]
    PARAM_TYPE_CATEGORICAL: _ClassVar[ParamType]
    PARAM_TYPE_BOOL: _ClassVar[ParamType]
TASK_KIND_UNSPECIFIED: TaskKind
TASK_KIND_REGRESSION: TaskKind
TASK_KIND_CLASSIFICATION: TaskKind
TASK_KIND_FORECASTING: TaskKind
PARAM_TYPE_UNSPECIFIED: ParamType
PARAM_TYPE_FLOAT: ParamType
PARAM_TYPE_INT: ParamType
PARAM_TYPE_CATEGORICAL: ParamType
PARAM_TYPE_BOOL: ParamType

class ParamValue(_message.Message):
    __slots__ = ("float_value", "int_value", "string_value", "bool_value")
    FLOAT_VALUE_FIELD_NUMBER: _ClassVar[int]
    INT_VALUE_FIELD_NUMBER: _ClassVar[int]
    STRING_VALUE_FIELD_NUMBER: _ClassVar[int]
    BOOL_VALUE_FIELD_NUMBER: _ClassVar[int]
    float_value: float
    int_value: int
    string_value: str
    bool_value: bool
    def __init__(self, float_value: _Optional[float] = ..., int_value: _Optional[int] = ..., string_value: _Optional[str] = ..., bool_value: _Optional[bool] = ...) -> None: ...

class ParamSpec(_message.Message):
    __slots__ = ("name", "type", "low", "high", "log", "step", "choices", "default", "help")
    NAME_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    LOW_FIELD_NUMBER: _ClassVar[int]
    HIGH_FIELD_NUMBER: _ClassVar[int]
    LOG_FIELD_NUMBER: _ClassVar[int]
    STEP_FIELD_NUMBER: _ClassVar[int]
    CHOICES_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_FIELD_NUMBER: _ClassVar[int]
    HELP_FIELD_NUMBER: _ClassVar[int]
    name: str
    type: ParamType
    low: float
    high: float
    log: bool
    step: float
    choices: _containers.RepeatedCompositeFieldContainer[ParamValue]
    default: ParamValue
    help: str
    def __init__(self, name: _Optional[str] = ..., type: _Optional[_Union[ParamType, str]] = ..., low: _Optional[float] = ..., high: _Optional[float] = ..., log: _Optional[bool] = ..., step: _Optional[float] = ..., choices: _Optional[_Iterable[_Union[ParamValue, _Mapping]]] = ..., default: _Optional[_Union[ParamValue, _Mapping]] = ..., help: _Optional[str] = ...) -> None: ...

class ModelSpec(_message.Message):
    __slots__ = ("name", "task", "params", "description")
    NAME_FIELD_NUMBER: _ClassVar[int]
    TASK_FIELD_NUMBER: _ClassVar[int]
    PARAMS_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    name: str
    task: TaskKind
    params: _containers.RepeatedCompositeFieldContainer[ParamSpec]
    description: str
    def __init__(self, name: _Optional[str] = ..., task: _Optional[_Union[TaskKind, str]] = ..., params: _Optional[_Iterable[_Union[ParamSpec, _Mapping]]] = ..., description: _Optional[str] = ...) -> None: ...

class RowRange(_message.Message):
    __slots__ = ("start", "stop")
    START_FIELD_NUMBER: _ClassVar[int]
    STOP_FIELD_NUMBER: _ClassVar[int]
    start: int
    stop: int
    def __init__(self, start: _Optional[int] = ..., stop: _Optional[int] = ...) -> None: ...

class RowIndices(_message.Message):
    __slots__ = ("rows",)
    ROWS_FIELD_NUMBER: _ClassVar[int]
    rows: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, rows: _Optional[_Iterable[int]] = ...) -> None: ...

class RowSelection(_message.Message):
    __slots__ = ("range", "indices")
    RANGE_FIELD_NUMBER: _ClassVar[int]
    INDICES_FIELD_NUMBER: _ClassVar[int]
    range: RowRange
    indices: RowIndices
    def __init__(self, range: _Optional[_Union[RowRange, _Mapping]] = ..., indices: _Optional[_Union[RowIndices, _Mapping]] = ...) -> None: ...

class Window(_message.Message):
    __slots__ = ("id", "train", "validation", "fold")
    ID_FIELD_NUMBER: _ClassVar[int]
    TRAIN_FIELD_NUMBER: _ClassVar[int]
    VALIDATION_FIELD_NUMBER: _ClassVar[int]
    FOLD_FIELD_NUMBER: _ClassVar[int]
    id: str
    train: RowSelection
    validation: RowSelection
    fold: int
    def __init__(self, id: _Optional[str] = ..., train: _Optional[_Union[RowSelection, _Mapping]] = ..., validation: _Optional[_Union[RowSelection, _Mapping]] = ..., fold: _Optional[int] = ...) -> None: ...

class ModelError(_message.Message):
    __slots__ = ("type", "message", "traceback", "window_id")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    TRACEBACK_FIELD_NUMBER: _ClassVar[int]
    WINDOW_ID_FIELD_NUMBER: _ClassVar[int]
    type: str
    message: str
    traceback: str
    window_id: str
    def __init__(self, type: _Optional[str] = ..., message: _Optional[str] = ..., traceback: _Optional[str] = ..., window_id: _Optional[str] = ...) -> None: ...
