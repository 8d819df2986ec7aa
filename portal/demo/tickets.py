"""Demo tickets in every state, some overdue, written through the same services as live work, each
step at its own past moment (`clock.as_of`), so their deadlines, the ledger and the scoreboard are
what they would have been."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from stdnum.cn import uscc

from portal.accounts.models import Role, User
from portal.actors import OPERATOR, Actor
from portal.catalog import queries
from portal.clock import COUNTY_TZ, as_of, now
from portal.open311 import services as open311
from portal.open311.models import ApiKey
from portal.supervision.callbacks import Resolution, record_callback
from portal.supervision.services import route, urge
from portal.tickets import appeals, cohandling, services
from portal.tickets.merging import merge
from portal.tickets.models import Channel, Score, Ticket, TicketType
from portal.tickets.services import TicketInput

T = TicketType

# (days ago, topic, type, subject, description, company, steps); a step is (days after filing, action, *args)
TICKETS = [
    (45, "hddl", T.COMPLAINT, "厂房用电报装迟迟未接电", "我公司新建厂房于上月申请低压用电报装，供电所现场勘查后一直未安排接电，影响投产。",
     "会宁县示例农产品加工有限公司", [(3, "sign"), (4, "cohandle", ["zjj", "zrzyj"], "请县住建局核实厂房规划许可，县自然资源局核实用地手续。"),
                                 (5, "opinion", "zjj", "该厂房已取得建设工程规划许可证，规划手续齐全。"),
                                 (6, "opinion", "zrzyj", "用地手续齐全，已办理不动产权证书。"),
                                 (7, "reply", "经核查，贵公司报装已完成配套工程，已于今日送电。后续用电问题可拨打供电服务热线。"), (8, "rate", Score.BASIC),
                                 (10, "callback", "resolved", "satisfied")]),
    (35, "qykb", T.COMPLAINT, "营业执照变更登记超时", "我公司十日前提交法定代表人变更登记，窗口受理后至今没有结果，也没有告知原因。",
     "会宁县示例商贸有限公司", [(0, "sign"), (3, "reply", "经核查，因材料中股东会决议签字不全导致退回，已电话告知补正，贵公司补正后已当日办结。"), (4, "rate", Score.VERY_SATISFIED)]),
    (30, "nsfw", T.CONSULTATION, "小规模纳税人减免增值税如何申报", "我单位是小规模纳税人，想了解月销售额10万元以下免征增值税政策的申报方式。",
     "会宁县示例餐饮店", [(1, "sign"), (2, "reply", "依据财政部 税务总局公告2023年第1号，月销售额10万元以下的小规模纳税人免征增值税，在电子税务局申报时填写免税销售额即可。"), (3, "rate", Score.SATISFIED)]),
    (28, "jzxk", T.COMPLAINT, "施工许可证审批时间过长", "我公司厂房项目施工许可申请已提交三周，承诺时限早已超过，仍未取得许可证。",
     "会宁县示例建材有限公司", [(2, "sign"), (19, "reply", "经核查，已督促审批科室完成审查，施工许可证已制发，请到政务服务中心住建窗口领取。"),
                            (20, "rate", Score.DISSATISFIED, "超时太久，且没有说明原因"), (22, "reply", "已查明超时原因为图审意见流转延误，相关人员已被约谈；已建立图审意见当日流转制度。"),
                            (23, "rate", Score.BASIC)]),
    (25, "qykb", T.HELP, "申请个体工商户登记需要哪些材料", "我准备在县城开一家小超市，想办理个体工商户营业执照，不清楚要准备的材料。",
     "", [(0, "sign"), (1, "reply", "个体工商户登记需提供经营者身份证件和经营场所使用证明，可在甘肃政务服务网全程网办，当日办结。"), (2, "rate", Score.SATISFIED)]),
    (21, "hddl", T.HELP, "临时用电办理咨询", "我公司承接道路施工项目，需要办理临时用电，请问流程和时限。",
     "会宁县示例路桥工程有限公司", [(0, "sign"), (4, "reply", "临时用电可通过网上国网申请，低压临时用电承诺5个工作日内接电，请按指南准备用电申请表和施工合同。")]),
    (20, "nsfw", T.SUGGESTION, "建议增加办税服务厅周末服务", "企业财务人员工作日很忙，建议办税服务厅周六上午开放。",
     "", [(1, "sign"), (6, "reply", "感谢建议。自下月起，县办税服务厅每周六上午提供延时服务，并可通过电子税务局全天办理。"), (7, "rate", Score.VERY_SATISFIED)]),
    (14, "qykb", T.COMPLAINT, "食品经营许可延续迟迟未办", "我店食品经营许可证即将到期，已提交延续申请，窗口说要现场核查但一直没有安排。",
     "会宁县示例食品店", [(1, "sign"), (3, "extend", 5, "需安排现场核查并协调检测机构"), (4, "approve_extension", "需现场核查，已与企业约定核查时间")]),
    (12, "zcgj", T.SUGGESTION, "惠企政策能否集中发布", "各部门的惠企政策分散在不同网站，建议集中发布并标明申报时间。",
     "会宁县示例科技有限公司", [(1, "route", "fgj", "属政策汇编职责，请县发改局办理"), (2, "sign")]),
    (10, "jzxk", T.HELP, "竣工联合验收需要多长时间", "我公司项目已完工，想知道联合验收的办理流程和时限。",
     "会宁县示例置业有限公司", [(4, "urge", "已超过签收期限，请立即签收并答复企业")]),
    (9, "qykb", T.COMPLAINT, "户外广告设置审批无人受理", "我公司申请设置门头户外广告，跑了两次没人受理。",
     "会宁县示例广告有限公司", [(0, "return", "户外广告设置审批属城市管理部门职责", "本局“三定”规定未包含户外广告设置审批")]),
    (8, "qykb", T.COMPLAINT, "股权出质登记办理慢", "我公司申请股权出质登记已一周，银行放款在等登记结果。",
     "会宁县示例农业发展有限公司", [(0, "sign"), (2, "extend", 3, "涉及质权人材料核实"), (3, "cohandle", ["swj"], "请核实该企业的纳税信用等级。")]),
    (7, "nsfw", T.COMPLAINT, "不动产交易税费核定有异议", "我公司购买办公用房，税费核定价格明显高于合同价格，要求说明依据。",
     "会宁县示例物流有限公司", [(0, "sign"), (1, "transfer", "zrzyj", "核定价格依据不动产登记评估结果，涉及自然资源部门")]),
    (6, "qykb", T.CONSULTATION, "企业简易注销需要多少天", "我公司已停止经营，想了解简易注销的公示期和办理时间。",
     "会宁县示例咨询服务部", [(0, "sign"), (1, "urge", "请在期限内答复企业")]),
    (5, "bhzxtzz", T.COMPLAINT, "小股东查阅公司账簿被拒绝", "本人是公司小股东，多次要求查阅会计账簿均被拒绝，请求帮助。",
     "", []),
    (4, "jzxk", T.COMPLAINT, "燃气报装收费不透明", "燃气公司报装时收取的费用没有明细，也没有收费依据。",
     "会宁县示例酒店有限公司", [(0, "sign"), (1, "reply", "经核查，报装费用已按收费目录收取，明细已发送贵公司邮箱。"), (2, "rate", Score.VERY_DISSATISFIED, "没有收到明细，问题没解决"),
                               (3, "appeal", "收费明细已于答复当日发送企业邮箱，评价所述与事实不符。")]),
    (3, "qykb", T.SUGGESTION, "对某企业商标侵权的举报", "某企业仿冒我公司注册商标，已向法院起诉，同时希望市场监管部门处理。",
     "会宁县示例食品有限公司", [(1, "reject", "该事项已进入诉讼程序，依法不予受理；法院判决后可凭判决书申请行政处理")]),
    (2, "qykb", T.COMPLAINT, "名称自主申报系统无法提交", "我在名称自主申报系统提交时一直提示错误，无法继续办理营业执照。",
     "", []),
    (0, "nsfw", T.HELP, "发票额度不够用", "我公司业务量增加，增值税发票额度不够用，如何申请调整？",
     "会宁县示例电子商务有限公司", []),
]


def _credit_code(index: int) -> str:
    """A well-formed 统一社会信用代码 for a demo company (valid check digit, not a real company's)."""
    base = f"9162042206{index:07d}"
    return base + uscc.calc_check_digit(base)


# Tickets that came in by other channels (issue 13): taken by phone, forwarded by 12345 through the demo
# Open311 key, a confidential one, and a repeat merged into its master, which is then answered once.
# (days ago, topic, type, subject, description, company, credit code, channel, confidential, steps); a
# step may be ("merge", index of the master in this list, reason).
CHANNELLED = [
    (10, "djcc", T.COMPLAINT, "不动产登记证办理超期", "我公司购买的厂房已提交不动产转移登记材料二十个工作日，仍未领到不动产权证书。",
     "会宁县示例机械制造有限公司", "91620422MA71A2B3C8", Channel.WEB, False, [(0, "sign")]),
    (6, "qykb", T.COMPLAINT, "个体户名称登记被驳回原因不明", "来电反映：申请个体工商户名称登记两次被驳回，系统未说明原因，窗口也说不清楚。",
     "", "", Channel.PHONE, False, [(0, "sign"), (1, "reply", "经核查，驳回原因为名称中含有行政区划以外的地名，已电话告知申请人修改后当日办结。")]),
    (4, "djcc", T.COMPLAINT, "再次反映厂房不动产权证书未办理", "来电再次反映：厂房不动产转移登记已超过承诺时限，催问多次仍无结果，影响银行抵押贷款。",
     "会宁县示例机械制造有限公司", "91620422MA71A2B3C8", Channel.PHONE, False,
     [(0, "merge", 0, "同一企业就同一厂房的不动产登记重复反映，并入先受理的工单办理")]),
    (3, "hddl", T.HELP, "新装电表迟迟未安装", "12345热线转办：商铺申请新装低压电表已十个工作日，供电所称无表计库存，希望尽快安装。",
     "会宁县示例便利店", "92620422MA71D4E5F7", Channel.HOTLINE, False, [(0, "sign")]),
    (2, "cxscjg", T.COMPLAINT, "检查人员暗示购买指定产品", "在一次例行检查中，检查人员暗示我店购买其推荐的消毒产品才能通过检查。请为我保密。",
     "会宁县示例餐馆", "", Channel.WEB, True, [(0, "sign")]),
]
MASTER_REPLY = (9, "经核查，贵公司厂房不动产转移登记因原土地出让金票据缺失而暂停，现已协调财政部门补开票据，不动产权证书已于今日制发，"
                   "请到政务服务中心不动产登记窗口领取。")
DEMO_KEY = "demo-12345"  # the 12345 platform's demo key (seed-demo prints it in development)


def _actor_for(session: Session, bureau_code: str) -> Actor:
    bureau = queries.bureau_by_code(session, bureau_code)
    user = session.scalars(select(User).where(User.bureau_id == bureau.id).order_by(User.id)).first()
    return user.as_actor() if user else Actor("staff", f"{bureau.name}经办人", bureau)


def _supervisor(session: Session) -> Actor:
    user = session.scalars(select(User).where(User.role == Role.SUPERVISOR).order_by(User.id)).first()
    return user.as_actor() if user else Actor("supervisor", "县营商环境办")


def seed_tickets(session: Session) -> list[Ticket]:
    """Write the demo tickets once (only into a portal without tickets)."""
    if session.scalar(select(func.count()).select_from(Ticket)):
        return []
    today = now().astimezone(COUNTY_TZ).date()
    created = []
    for index, (days_ago, topic, kind, subject, description, company, steps) in enumerate(TICKETS):
        filed = dt.datetime.combine(today - dt.timedelta(days=days_ago), dt.time(9, 30 + index % 20), tzinfo=COUNTY_TZ)
        with as_of(filed):
            data = TicketInput(type=kind, topic=queries.topic_by_code(session, topic), guide=None, subject=subject,
                               description=description, company_name=company,
                               credit_code=_credit_code(index) if company else "", contact_name="张先生",
                               phone="13800000000", email="", publish=index % 3 == 0)
            ticket, _code = services.file_ticket(session, data)
        for step, (after, action, *args) in enumerate(steps):
            with as_of(filed + dt.timedelta(days=after, hours=1 + step)):
                _step(session, ticket, action, args)
        created.append(ticket)
    created.extend(_seed_channelled(session, today))
    session.flush()
    return created


def _seed_channelled(session: Session, today: dt.date) -> list[Ticket]:
    """The tickets of CHANNELLED, each through the door it came by: the form's services, staff intake's,
    or the Open311 key's; the merge and the master's one reply through the merging services."""
    key = demo_key(session)[0]
    created: list[Ticket] = []
    for index, (days_ago, topic, kind, subject, description, company, credit_code, channel, confidential,
                steps) in enumerate(CHANNELLED):
        filed = dt.datetime.combine(today - dt.timedelta(days=days_ago), dt.time(10, 5 + index), tzinfo=COUNTY_TZ)
        with as_of(filed):
            if channel is Channel.HOTLINE:
                ticket, _code = open311.file_request(session, key, {
                    "service_code": topic, "description": description, "last_name": "赵", "first_name": "女士",
                    "phone": "13900000000"}, {"type": kind.value, "subject": subject, "company_name": company,
                                              "credit_code": credit_code, "consent": "true"})
            else:
                data = TicketInput(type=kind, topic=queries.topic_by_code(session, topic), guide=None, subject=subject,
                                   description=description, company_name=company, credit_code=credit_code,
                                   contact_name="刘女士", phone="13900000001", email="", publish=False,
                                   confidential=confidential)
                if channel is Channel.WEB:
                    ticket, _code = services.file_ticket(session, data)
                else:
                    ticket, _code = services.file_ticket(
                        session, data, _actor_for(session, "scjgj"), channel=channel,
                        received_at=filed - dt.timedelta(minutes=20), note="电话受理；诉求人口头同意个人信息使用说明。")
        for step, (after, action, *args) in enumerate(steps):
            with as_of(filed + dt.timedelta(days=after, hours=1 + step)):
                if action == "merge":
                    master = created[args[0]]
                    merge(session, ticket, master, _actor_for(session, master.bureau.code), args[1])
                else:
                    _step(session, ticket, action, args)
        created.append(ticket)
    master = created[0]
    with as_of(dt.datetime.combine(today - dt.timedelta(days=1), dt.time(15, 0), tzinfo=COUNTY_TZ)):
        services.reply(session, master, _actor_for(session, master.bureau.code), MASTER_REPLY[1])
    return created


def demo_key(session: Session) -> tuple[ApiKey, str | None]:
    """The demo 12345 key: made once (its key returned to be printed), found again after that (None)."""
    found = session.scalars(select(ApiKey).where(ApiKey.name == DEMO_KEY)).one_or_none()
    if found is not None:
        return found, None
    return open311.create_key(session, OPERATOR, DEMO_KEY, Channel.HOTLINE.value)


def _step(session: Session, ticket: Ticket, action: str, args: list) -> None:
    staff = _actor_for(session, ticket.bureau.code) if ticket.bureau else None
    day = now().astimezone(COUNTY_TZ).date()
    if action == "sign":
        services.sign(session, ticket, staff)
    elif action == "reply":
        services.reply(session, ticket, staff, args[0])
    elif action == "rate":
        services.rate(session, ticket, args[0], args[1] if len(args) > 1 else "")
    elif action == "extend":
        services.request_extension(session, ticket, staff, args[0], args[1], day)
    elif action == "approve_extension":
        services.decide_extension(session, ticket, _supervisor(session), True, args[0])
    elif action == "transfer":
        services.request_transfer(session, ticket, staff, queries.bureau_by_code(session, args[0]), args[1])
    elif action == "return":
        services.return_to_dispatch(session, ticket, staff, args[0], args[1])
    elif action == "route":
        route(session, ticket, queries.bureau_by_code(session, args[0]), _supervisor(session), args[1])
    elif action == "reject":
        services.reject(session, ticket, staff, args[0])
    elif action == "urge":
        urge(session, ticket, _supervisor(session), args[0], day)
    elif action == "cohandle":
        cohandling.ask(session, ticket, staff, [queries.bureau_by_code(session, code) for code in args[0]], args[1])
    elif action == "opinion":
        cohandling.give_opinion(session, ticket, _actor_for(session, args[0]), args[1])
    elif action == "callback":
        record_callback(session, ticket, _supervisor(session), True, Resolution(args[0]), Score(args[1]), "")
    elif action == "appeal":
        appeals.appeal(session, ticket, staff, args[0], day)
    else:
        raise ValueError(action)
