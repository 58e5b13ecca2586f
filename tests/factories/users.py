import factory
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model

from segments.models import Segment, SegmentMembership
from segments.services import grant as grant_segment


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"member{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    display_name = factory.LazyAttribute(lambda o: o.username.title())
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery")

    @factory.post_generation
    def verified(self, create, extracted, **kwargs):
        """Verified primary email (allauth), unless ``verified=False``."""
        if create and extracted is not False:
            EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)
        if create:
            self.save()


class SegmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Segment
        django_get_or_create = ("kind", "slug")

    kind = Segment.Kind.PRODUCT
    slug = factory.Sequence(lambda n: f"segment-{n}")
    name = factory.LazyAttribute(lambda o: o.slug.replace("-", " ").title())


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SegmentMembership

    user = factory.SubFactory(UserFactory)
    segment = factory.SubFactory(SegmentFactory)


def grant(user, segment):
    return grant_segment(user, segment)
