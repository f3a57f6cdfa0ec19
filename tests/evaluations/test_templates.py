"""Indicator templates: shared rows totalling 100, kept by the platform's superusers in the
admin, and copied into each evaluation, which keeps its copy frozen."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError

from evaluations import services
from evaluations.indicators import SEED_TEMPLATE
from evaluations.models import Evaluation, IndicatorTemplate, TemplateRow
from tests.factories import ContractFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_an_evaluation_keeps_a_frozen_copy_of_its_template(draft):
    template = IndicatorTemplate.objects.get(name=SEED_TEMPLATE)
    template.rows.filter(order=1).update(weight=Decimal("4"), level3="改名")
    row = draft.rows.get(order=1)
    assert (row.weight, row.level3) == (Decimal("5.00"), "立项依据充分性")


def test_a_template_must_total_100():
    with pytest.raises(ValidationError) as excinfo:
        services.template_check([Decimal("30"), Decimal("25"), Decimal("25"), Decimal("19")])
    assert excinfo.value.messages == ["指标分值合计为 99 分，应为 100 分。"]


def test_an_evaluation_cannot_start_from_a_template_not_totalling_100(bureau, staff_user):
    template = IndicatorTemplate.objects.create(name="不完整模板")
    TemplateRow.objects.create(
        template=template, order=1, level1="决策", level2="x", weight=Decimal("40")
    )
    contract = ContractFactory(award__project__bureau=bureau)
    with pytest.raises(ValidationError):
        services.evaluation_create(
            actor=staff_user,
            bureau=bureau,
            year=2024,
            title="x",
            kind="self",
            template=template,
            projects=[contract.award.project],
        )
    assert not Evaluation.objects.exists()


def test_the_admin_refuses_a_template_not_totalling_100(client_for, db):
    # Shared templates are kept by the platform's superuser (SharedDataPermissions).
    client = client_for(UserFactory(username="root", bureau=None, is_superuser=True, is_staff=True))
    form = {
        "name": "新模板",
        "description": "",
        "is_active": "on",
        "rows-TOTAL_FORMS": "2",
        "rows-INITIAL_FORMS": "0",
        "rows-0-order": "1",
        "rows-0-level1": "决策",
        "rows-0-level2": "项目立项",
        "rows-0-weight": "60",
        "rows-0-source": "manual",
        "rows-1-order": "2",
        "rows-1-level1": "产出",
        "rows-1-level2": "产出数量",
        "rows-1-weight": "30",
        "rows-1-source": "manual",
    }
    response = client.post("/admin/evaluations/indicatortemplate/add/", form)
    assert "指标分值合计为 90 分，应为 100 分。" in response.content.decode()
    assert not IndicatorTemplate.objects.filter(name="新模板").exists()
    form["rows-1-weight"] = "40"
    client.post("/admin/evaluations/indicatortemplate/add/", form)
    assert IndicatorTemplate.objects.get(name="新模板").rows.count() == 2


def test_a_superuser_without_a_role_maintains_the_shared_templates_rows_included(client, db):
    from django.contrib.admin.sites import site
    from django.test import RequestFactory

    from evaluations.models import GradeScale

    root = UserFactory(username="root-operator", bureau=None, is_superuser=True, is_staff=True)
    request = RequestFactory().get("/admin/")
    request.user = root
    for model in (IndicatorTemplate, GradeScale):
        for inline in site._registry[model].get_inline_instances(request):
            assert inline.has_add_permission(request, None), inline
            assert inline.has_change_permission(request), inline
            assert inline.has_delete_permission(request), inline
    staff = UserFactory(username="bureau-admin", is_staff=True)
    staff.groups.add(Group.objects.get(name="admin"))
    request.user = staff
    for inline in site._registry[IndicatorTemplate].get_inline_instances(request):
        assert not inline.has_change_permission(request), inline
