"""Demo records of the contracts register, from the 2024 evaluation report of
深圳市盐田区民政局 (the project's acceptance data).

What the report states is used as stated: the two providers, the two projects and their
goals, the awards of August 2021 (35 and 40 months, 132.2万 and 101.4万 a year), and for
each project the 2023-2024年度 contract (August to July) and the 2024年8-12月 contract.

Illustrative, because the report gives no value (each is marked ILLUSTRATIVE below):
- the credit codes (valid GB 32100-2015 check digits, invented bodies), contract numbers
  (prefixed DEMO-), procurement method, notice numbers, departments and staffing;
- the start of each award's term. The report says both were won in August 2021 with
  terms of 35 and 40 months, yet both projects hold contracts to December 2024, which a
  35-month term from August 2021 (to June 2024) could not contain. The demo therefore
  lets each term end on 2024-12-31, the end the report states for 助残, and starts it
  35 or 40 months earlier;
- the amounts of the 2024年8-12月 contracts. The report gives only what was paid under
  them (48.5万 together for the first installments, 9.42万 for the 助残 second one).
  The demo prices each bridging contract at what the 2024 budget had left for it after
  the 2023-2024 installments (132.2 − 52.88 − 39.66 = 39.66万; 101.4 − 40.56 − 30.42 =
  30.42万), which makes the year's budget exactly sufficient, as the report implies.

The tables below are data, one tuple a record, and the loader hands each field to its
service by keyword, one a line: rows and calls read alike because the records do.
"""

import datetime

from django.utils import timezone

from accounts.models import User
from contracts import services
from contracts.models import AnnualGoal, Award, Contract, Project, Provider
from core.money import from_wan

SOCIAL_AFFAIRS = "社会事务及福利保障社工服务项目"
DISABILITY = "助残社工服务项目"

PROVIDERS = [
    {
        "name": "深圳市温馨社工服务中心",
        "credit_code": "52440308MJ0000001R",  # ILLUSTRATIVE
        "contact_person": "刘主任",  # ILLUSTRATIVE
        "phone": "0755-25550001",  # ILLUSTRATIVE
        "email": "contact@wenxin-sw.example.cn",  # ILLUSTRATIVE
        "address": "深圳市盐田区",  # ILLUSTRATIVE
        "rating": "4A",  # ILLUSTRATIVE
    },
    {
        "name": "深圳市龙岗区正阳社会工作服务中心",
        "credit_code": "52440307MJ0000002E",  # ILLUSTRATIVE
        "contact_person": "黄主任",  # ILLUSTRATIVE
        "phone": "0755-28880002",  # ILLUSTRATIVE
        "email": "contact@zhengyang-sw.example.cn",  # ILLUSTRATIVE
        "address": "深圳市龙岗区",  # ILLUSTRATIVE
        "rating": "5A",  # ILLUSTRATIVE
    },
]

PROJECTS = [
    {
        "name": SOCIAL_AFFAIRS,
        "service_field": "social_welfare",
        "department": "社会事务科",  # ILLUSTRATIVE
        "description": (
            "项目通过咨询、走访、开展政策宣传、业务培训、业务审批等方式，严格落实民政领域相关政策，"
            "做好老人、残疾人、低保对象、流浪乞讨人员、特殊困难群体等民政领域服务对象兜底服务工作；"
            "通过将“民政为民，民政爱民”理念与社会工作助人理念相结合，整合社会资源，推动社工专业服务"
            "在民政领域中的发展，打造民政领域社会工作专业服务品牌。"
        ),
        "long_term_goals": (
            "深耕专业服务，推动社工专业服务在民政领域中的优质发展；整合相关社会资源，为社工服务提供"
            "高质量资源，推动岗位社工服务精准化；将“民政为民，民政爱民”理念与社会工作助人理念相结合，"
            "打造民政领域社会工作专业服务品牌。"
        ),
        "goals_2024": (
            "做好民政兜底服务对象相关福利服务申请资料审核工作；协助辖区内社会组织建立规范的内部管理"
            "制度，跟进辖区内社会组织注册、变更、注销等事项；协助开展党建、工会等工作；完成用人单位"
            "交代的相关行政工作，进行上传下达，贯宣政策法规等，保障科室职能正常发挥；充分发挥岗位优势，"
            "积极整合相关资源，为社工服务提供更精准化的支持，形成良好的联动效应。"
        ),
    },
    {
        "name": DISABILITY,
        "service_field": "disability",
        "department": "区残联及盐康、沙头角、海山、沿港职康中心",
        "description": (
            "社工团队驻点区残联、盐康、沙头角、海山及沿港职康中心，运用个案管理、小组、活动等专业方法，"
            "为残疾人及其家庭提供精准化服务，涵盖救助、康复、教育、就业支持等全链条需求。同时，项目注重"
            "社会资源整合，协助残疾人申领福利，并通过宣传倡导提升社会包容度，促进残障人士社会融入。"
        ),
        "long_term_goals": (
            "通过建立健全残疾人康复、教育、就业、医疗、权益等为核心内容的服务保障体系；组织开展残疾人"
            "文化生活、社会服务和残疾预防工作，改善辖区助残环境，增强辖区残疾人的社会参与及社会复元。"
        ),
        "goals_2024": (
            "做好辖区残疾人走访、入户、建档、问需工作；做好残疾人个案管理工作，链接资源，解决残疾人"
            "实际需求；积极配合用人单位，做好残疾人政策落实和法制宣传，协助完成有关残疾人相关业务工作等；"
            "组织开展残疾文体活动、法制教育和残疾预防工作等服务，增强辖区残疾人的社会参与，满足残疾人"
            "的精神文化需求，促进残疾人平等融于社会生活。"
        ),
    },
]

AWARDS = [
    # project, provider, term start (ILLUSTRATIVE, see above), months, annual price (万元)
    (SOCIAL_AFFAIRS, "深圳市温馨社工服务中心", datetime.date(2022, 2, 1), 35, "132.2"),
    (DISABILITY, "深圳市龙岗区正阳社会工作服务中心", datetime.date(2021, 9, 1), 40, "101.4"),
]

CONTRACTS = [
    # number (ILLUSTRATIVE), project, title, signed, start, end, amount (万元), staffing
    (
        "DEMO-YTMZ-2023-01",
        SOCIAL_AFFAIRS,
        "2023-2024年度合同",
        datetime.date(2023, 7, 25),
        datetime.date(2023, 8, 1),
        datetime.date(2024, 7, 31),
        "132.2",
        (1, 3, 4, 120),  # ILLUSTRATIVE
    ),
    (
        "DEMO-YTMZ-2023-02",
        DISABILITY,
        "2023-2024年度合同",
        datetime.date(2023, 7, 25),
        datetime.date(2023, 8, 1),
        datetime.date(2024, 7, 31),
        "101.4",
        (1, 2, 3, 100),  # ILLUSTRATIVE
    ),
    (
        "DEMO-YTMZ-2024-01",
        SOCIAL_AFFAIRS,
        "2024年8-12月合同",
        datetime.date(2024, 7, 20),
        datetime.date(2024, 8, 1),
        datetime.date(2024, 12, 31),
        "39.66",  # ILLUSTRATIVE: what the 2024 budget had left, see above
        (1, 3, 4, 50),  # ILLUSTRATIVE
    ),
    (
        "DEMO-YTMZ-2024-02",
        DISABILITY,
        "2024年8-12月合同",
        datetime.date(2024, 7, 20),
        datetime.date(2024, 8, 1),
        datetime.date(2024, 12, 31),
        "30.42",  # ILLUSTRATIVE: what the 2024 budget had left, see above
        (1, 2, 3, 40),  # ILLUSTRATIVE
    ),
]


def _at(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(10)))


def _date_history(since, providers, projects, awards, contracts) -> None:
    """Enter the registers' history on the days the records came to be, as if it had been
    kept then (the award date for the provider, the project and the award; the signing
    date for a contract; 1 January for the year's goals): only what this load wrote."""
    award_day = {award.project_id: award.award_date for award in awards.values()}
    provider_day = {award.provider_id: award.award_date for award in awards.values()}
    dated = [
        *(
            (Provider, provider.pk, provider_day.get(provider.pk))
            for provider in providers.values()
        ),
        *((Project, project.pk, award_day.get(project.pk)) for project in projects.values()),
        *((Award, award.pk, award.award_date) for award in awards.values()),
        *((Contract, contract.pk, contract.signed_on) for contract in contracts.values()),
    ]
    for model, pk, day in dated:
        if day is not None:
            model.history.filter(id=pk, history_date__gte=since).update(history_date=_at(day))
    for goal in AnnualGoal.objects.filter(project__in=projects.values()):
        AnnualGoal.history.filter(id=goal.pk, history_date__gte=since).update(
            history_date=_at(datetime.date(goal.year, 1, 1))
        )


def load(context: dict) -> dict:
    """Create what is missing; leave what exists untouched. Returns the records by name."""
    bureau = context["bureau"]
    staff: User = context["users"]["staff"]
    loading_since = timezone.now()

    providers = {}
    for data in PROVIDERS:
        provider = Provider.objects.filter(bureau=bureau, credit_code=data["credit_code"]).first()
        providers[data["name"]] = provider or services.provider_create(
            actor=staff, bureau=bureau, **data
        )

    projects = {}
    for data in PROJECTS:
        data = dict(data)
        goals = data.pop("goals_2024")
        project = Project.objects.filter(bureau=bureau, name=data["name"]).first()
        if project is None:
            project = services.project_create(actor=staff, bureau=bureau, owner=staff, **data)
        if not AnnualGoal.objects.filter(project=project, year=2024).exists():
            services.annual_goal_set(actor=staff, project=project, year=2024, goals=goals)
        projects[data["name"]] = project

    awards = {}
    for project_name, provider_name, term_start, months, annual in AWARDS:
        project, provider = projects[project_name], providers[provider_name]
        award = Award.objects.filter(project=project, provider=provider).first()
        awards[project_name] = award or services.award_create(
            actor=staff,
            project=project,
            provider=provider,
            procurement_method=Award.Method.OPEN_TENDER,  # ILLUSTRATIVE
            award_date=datetime.date(2021, 8, 1),
            term_start=term_start,
            term_months=months,
            annual_amount=from_wan(annual),
            notice_number=f"DEMO-YTCG-2021-{len(awards) + 1:03d}",  # ILLUSTRATIVE
        )

    contracts = {}
    for number, project_name, title, signed, start, end, amount, staffing in CONTRACTS:
        contract = Contract.objects.filter(bureau=bureau, number=number).first()
        senior, intermediate, assistant, hours = staffing
        contracts[number] = contract or services.contract_create(
            actor=staff,
            award=awards[project_name],
            number=number,
            title=title,
            signed_on=signed,
            start=start,
            end=end,
            amount=from_wan(amount),
            owner=staff,
            social_workers_senior=senior,
            social_workers_intermediate=intermediate,
            social_workers_assistant=assistant,
            supervision_hours=hours,
        )
    _date_history(loading_since, providers, projects, awards, contracts)
    _provider_users(providers, staff)
    return {
        **context,
        "providers": providers,
        "projects": projects,
        "awards": awards,
        "contracts": contracts,
    }


# The providers' people: one portal account each (password as the other demo users).
PROVIDER_USERS = [
    # username, full name, provider
    ("wenxin", "温馨社工（刘主任）", "深圳市温馨社工服务中心"),  # ILLUSTRATIVE
    ("zhengyang", "正阳社工（黄主任）", "深圳市龙岗区正阳社会工作服务中心"),  # ILLUSTRATIVE
]


def _provider_users(providers: dict, staff: User) -> None:
    from accounts.demo import DEMO_PASSWORD
    from accounts.services import role_grant_install
    from contracts.models import ProviderMembership

    for username, full_name, provider_name in PROVIDER_USERS:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"full_name": full_name, "email": f"{username}@provider.example.cn"},
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
            role_grant_install(user=user, role="provider", reason="演示数据")
        ProviderMembership.objects.get_or_create(
            user=user, provider=providers[provider_name], defaults={"invited_by": staff}
        )
