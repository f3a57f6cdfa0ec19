"""factory_boy factories for every model the tests build."""

import factory
from factory.django import DjangoModelFactory

from accounts.models import Bureau, User

TEST_PASSWORD = "correct-horse-battery"


class BureauFactory(DjangoModelFactory):
    class Meta:
        model = Bureau
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"测试区民政局{n}")
    division_code = factory.Sequence(lambda n: f"4403{n % 100:02d}")


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"测试用户{n}")
    bureau = factory.SubFactory(BureauFactory)
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()
