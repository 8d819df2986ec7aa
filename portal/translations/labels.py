"""The fixed Chinese words of the data that readers in English meet: the labels of ticket types, states,
channels, scores and actions, case types, policy statuses, material forms, and the names public pages
give to who acted. They are defined where they belong (portal/tickets/models.py, services.py, public.py,
portal/catalog/models.py, schema.py) and shown through the `known` filter; listed here only so that
`make translations` keeps them in the English catalog. Nothing imports this module."""


def N_(message: str) -> str:
    return message


LABELS = [
    # ticket types, states, channels, scores
    N_("咨询"), N_("求助"), N_("投诉"), N_("建议"), N_("更正"), N_("纠错"),
    N_("已提交"), N_("待分办"), N_("待签收"), N_("办理中"), N_("已答复"), N_("重新办理"), N_("已办结"), N_("不予受理"),
    N_("已并单"),
    N_("网站"), N_("接口"), N_("电话"), N_("来信"), N_("来访"), N_("12345转办"), N_("微信"),
    N_("非常满意"), N_("满意"), N_("基本满意"), N_("不满意"), N_("非常不满意"),
    # the steps of a ticket the business sees
    N_("提交诉求"), N_("分送承办单位"), N_("转县营商环境办分办"), N_("签收"), N_("退回分办"), N_("申请转办"),
    N_("同意转办"), N_("不同意转办"), N_("申请延期"), N_("同意延期"), N_("不同意延期"), N_("答复"), N_("评价"),
    N_("自动办结"), N_("更正领域"), N_("催办"), N_("督办"), N_("并单"), N_("并入重复诉求"), N_("协办"),
    # who a step appears under
    N_("企业"), N_("县营商环境办"), N_("系统"), N_("县营商环境办（待分办）"),
    # guides and policies
    N_("即办件"), N_("承诺件"), N_("草稿"), N_("征求意见中"), N_("现行有效"), N_("已失效"), N_("已废止"),
    N_("原件"), N_("复印件"), N_("原件和复印件"), N_("电子件"), N_("不收费"),
]
