"""Walks every marshmallow schema of the services' RPC boundaries (for the structural tests)."""
import importlib
import inspect

from marshmallow import Schema, fields

SERVICES = ("accounts", "courses", "progress", "reports", "integrations", "notifications")
# Schemas that only shape answers (dump); every other schema is an input and is checked.
OUTPUT_SCHEMAS = {
    "TenantSchema", "UserSchema", "UnitSchema", "OverrideSchema", "TrainingPlanSchema", "OptionSchema",
    "QuestionSchema", "LessonSchema", "SectionSchema", "CourseSummarySchema", "CourseSchema",
    "IntakeSchema", "EnrollmentSchema", "JobSchema", "DocumentSchema", "LearnerProgressRowSchema",
    "CertificateSchema", "PublicCertificateSchema", "SubscriberSchema", "AttemptSchema", "DeliverySchema",
    "LrsConfigOutSchema", "LrsStatusSchema", "FailureSchema", "FailurePageSchema", "PreferencesSchema",
    "ListedEnrollmentSchema"}


def input_fields():
    """(where, field name, field) of every loadable field of every input schema; list fields
    are given as their item field."""
    for service in SERVICES:
        module = importlib.import_module(f"services.{service}.schemas")
        for name, cls in vars(module).items():
            if not (inspect.isclass(cls) and issubclass(cls, Schema) and cls.__module__ == module.__name__):
                continue
            if name in OUTPUT_SCHEMAS:
                continue
            for field_name, field in cls._declared_fields.items():
                if not field.dump_only:
                    inner = field.inner if isinstance(field, fields.List) else field
                    yield f"{service}.{name}", field_name, inner
