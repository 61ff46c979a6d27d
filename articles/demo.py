"""The demo workspace's help center for `make demo`: three collections (billing with two
sections), nine articles published in English and Japanese, so the public site, its search in
both languages and the messenger's help have something real to show. Skipped when the
workspace already has articles. Runs on the demo's SQLite, where search falls back to LIKE."""

from __future__ import annotations

from django.urls import reverse

from articles import services
from articles.models import Article, Collection, HelpCenter
from workspaces.models import Membership, Workspace

COLLECTIONS = [
    ("rocket", {"en": "Getting started", "ja": "はじめに"},
     {"en": "Set up the messenger and your team in a few minutes.", "ja": "メッセンジャーとチームの設定を数分で始めましょう。"}),
    ("card", {"en": "Billing and payments", "ja": "請求とお支払い"},
     {"en": "Invoices, plans and payment methods.", "ja": "請求書、プラン、お支払い方法について。"}),
    ("lock", {"en": "Account and security", "ja": "アカウントとセキュリティ"},
     {"en": "Passwords, sign-in and keeping your account safe.", "ja": "パスワード、ログイン、アカウントの安全対策。"}),
]
SECTIONS = {  # collection index -> sections' titles
    1: [{"en": "Invoices", "ja": "請求書"}, {"en": "Plans and payment methods", "ja": "プランとお支払い方法"}],
}

# (collection index, section index or None, {language: (title, subtitle, body)})
ARTICLES = [
    (0, None, {
        "en": ("Installing the messenger on your website", "Copy one snippet and you are live",
               "<p>The messenger lets visitors talk to your team from any page of your website.</p>"
               "<h2>Add the snippet</h2><ol><li>Open <strong>Settings › Messenger</strong>.</li>"
               "<li>Copy the installation snippet.</li><li>Paste it just before <code>&lt;/body&gt;</code> on every "
               "page.</li></ol><div class=\"callout callout--info\"><p>Already using Intercom? Only the script "
               "address changes: your <code>Intercom()</code> calls keep working.</p></div>"
               "<h2>Identify your users</h2><p>Pass <code>user_id</code>, <code>email</code> and a "
               "<code>user_hash</code> so signed-in customers see their own conversations.</p>"),
        "ja": ("ウェブサイトにメッセンジャーを設置する", "スニペットを1つ貼り付けるだけで公開できます",
               "<p>メッセンジャーを設置すると、訪問者はウェブサイトのどのページからでもチームに問い合わせできます。</p>"
               "<h2>スニペットを追加する</h2><ol><li><strong>設定 › メッセンジャー</strong>を開きます。</li>"
               "<li>インストール用のスニペットをコピーします。</li><li>すべてのページの <code>&lt;/body&gt;</code> "
               "の直前に貼り付けます。</li></ol><div class=\"callout callout--info\"><p>Intercom をお使いの場合は、"
               "スクリプトのアドレスを変えるだけです。<code>Intercom()</code> の呼び出しはそのまま動きます。</p></div>"
               "<h2>ユーザーを識別する</h2><p><code>user_id</code>、<code>email</code>、<code>user_hash</code> を"
               "渡すと、ログイン中のお客様はご自身の会話だけを見られます。</p>"),
    }),
    (0, None, {
        "en": ("Inviting your teammates", "",
               "<p>Admins can invite teammates from <strong>Settings › Teammates</strong>. Enter their email "
               "address and choose a role:</p><ul><li><strong>Admin</strong>: everything, including settings.</li>"
               "<li><strong>Agent</strong>: conversations, contacts and articles.</li></ul>"
               "<p>Invitations expire after 7 days; you can send them again at any time.</p>"),
        "ja": ("チームメンバーを招待する", "",
               "<p>管理者は<strong>設定 › チームメンバー</strong>からメンバーを招待できます。メールアドレスを入力し、"
               "権限を選んでください。</p><ul><li><strong>管理者</strong>：設定を含むすべての操作</li>"
               "<li><strong>エージェント</strong>：会話、連絡先、記事の操作</li></ul>"
               "<p>招待メールの有効期限は7日間です。期限が切れた場合はいつでも再送信できます。</p>"),
    }),
    (0, None, {
        "en": ("Answering your first conversation", "Reply, assign and close from the inbox",
               "<p>New conversations arrive in the <strong>Inbox</strong>. Open one to see the customer's details "
               "on the right.</p><ul><li>Type your reply and press <code>Enter</code> to send it.</li>"
               "<li>Use a note to ask a teammate without the customer seeing it.</li>"
               "<li>Close the conversation once the question is answered.</li></ul>"),
        "ja": ("最初の会話に返信する", "受信トレイから返信・割り当て・クローズ",
               "<p>新しい会話は<strong>受信トレイ</strong>に届きます。会話を開くと、右側にお客様の情報が表示されます。</p>"
               "<ul><li>返信を入力して <code>Enter</code> キーで送信します。</li>"
               "<li>お客様に見せずにチームへ相談したいときはメモを使います。</li>"
               "<li>質問が解決したら会話をクローズします。</li></ul>"),
    }),
    (1, 0, {
        "en": ("Downloading your invoices", "Every invoice, as a PDF",
               "<p>Invoices are issued on the first day of each month. To download one:</p><ol><li>Open "
               "<strong>Settings › Billing</strong>.</li><li>Find the month under <strong>Invoices</strong>.</li>"
               "<li>Click <strong>Download PDF</strong>.</li></ol><p>You can forward the PDF to your accountant "
               "as it is.</p>"),
        "ja": ("請求書をダウンロードする", "すべての請求書をPDFで取得できます",
               "<p>請求書は毎月1日に発行されます。ダウンロードするには次の手順に従ってください。</p><ol>"
               "<li><strong>設定 › お支払い</strong>を開きます。</li><li><strong>請求書</strong>の一覧から該当する月を"
               "探します。</li><li><strong>PDFをダウンロード</strong>をクリックします。</li></ol>"
               "<p>ダウンロードしたPDFはそのまま経理担当者に送っていただけます。</p>"),
    }),
    (1, 0, {
        "en": ("Changing the company name on invoices", "",
               "<p>The name and address printed on invoices come from your billing details. Change them in "
               "<strong>Settings › Billing › Billing details</strong>; the next invoice uses the new ones.</p>"
               "<div class=\"callout callout--warning\"><p>Invoices already issued cannot be changed. Contact us "
               "if you need a corrected copy.</p></div>"),
        "ja": ("請求書の宛名を変更する", "",
               "<p>請求書に記載される宛名と住所は、お支払い情報から取得されます。<strong>設定 › お支払い › "
               "請求先情報</strong>で変更すると、次回の請求書から反映されます。</p>"
               "<div class=\"callout callout--warning\"><p>発行済みの請求書は変更できません。再発行が必要な場合は"
               "お問い合わせください。</p></div>"),
    }),
    (1, 1, {
        "en": ("Changing your plan", "Upgrade or downgrade at any time",
               "<p>Go to <strong>Settings › Billing › Plan</strong> and choose a new plan. Upgrades take effect "
               "immediately and are prorated; downgrades apply from the next billing period.</p>"),
        "ja": ("プランを変更する", "いつでもアップグレード・ダウングレードできます",
               "<p><strong>設定 › お支払い › プラン</strong>から新しいプランを選んでください。アップグレードは"
               "すぐに反映され、日割りで請求されます。ダウングレードは次の請求期間から適用されます。</p>"),
    }),
    (1, 1, {
        "en": ("Payment methods we accept", "",
               "<p>We accept Visa, Mastercard, American Express and JCB cards. Annual plans can also be paid by "
               "bank transfer against an invoice.</p>"),
        "ja": ("ご利用いただけるお支払い方法", "",
               "<p>Visa、Mastercard、American Express、JCB のクレジットカードをご利用いただけます。年間プランは"
               "請求書による銀行振込でのお支払いも可能です。</p>"),
    }),
    (2, None, {
        "en": ("Resetting your password", "If you cannot sign in",
               "<p>On the sign-in page, click <strong>Forgot your password?</strong> and enter your email "
               "address. We send you a link that works for 24 hours.</p><p>No email? Check your spam folder, "
               "then ask an admin of your workspace to invite you again.</p>"),
        "ja": ("パスワードを再設定する", "ログインできない場合",
               "<p>ログイン画面で<strong>パスワードをお忘れですか？</strong>をクリックし、メールアドレスを入力してください。"
               "24時間有効な再設定用のリンクをお送りします。</p><p>メールが届かない場合は迷惑メールフォルダをご確認の上、"
               "ワークスペースの管理者に再招待を依頼してください。</p>"),
    }),
    (2, None, {
        "en": ("Keeping your account secure", "",
               "<p>Use a long, unique password and sign out on shared computers. Admins can remove teammates who "
               "leave from <strong>Settings › Teammates</strong>; their conversations stay in the inbox.</p>"),
        "ja": ("アカウントを安全に保つ", "",
               "<p>長く推測されにくいパスワードを使い、共用のパソコンでは必ずログアウトしてください。退職したメンバーは、"
               "管理者が<strong>設定 › チームメンバー</strong>から削除できます。担当していた会話は受信トレイに残ります。</p>"),
    }),
]


def seed_help_center(*, workspace: Workspace, author: Membership | None) -> int:
    """Create the demo help center's collections and articles (once). Returns how many
    articles were created."""
    help_center = services.help_center_for(workspace=workspace)
    if Article.objects.for_workspace(workspace).exists():
        return 0
    services.help_center_update(help_center=help_center, name=f"{workspace.name} Help", color="#3b5bdb",
                                header_color="#1f2a44")
    collections: list[Collection] = []
    sections: dict[int, list] = {}
    for index, (icon, titles, descriptions) in enumerate(COLLECTIONS):
        collection = services.collection_create(workspace=workspace, titles=titles, descriptions=descriptions,
                                                icon=icon)
        collections.append(collection)
        sections[index] = [services.section_create(collection=collection, titles=section_titles)
                           for section_titles in SECTIONS.get(index, [])]
    for collection_index, section_index, versions in ARTICLES:
        collection = collections[collection_index]
        section = sections[collection_index][section_index] if section_index is not None else None
        article = None
        for language, (title, subtitle, body) in versions.items():
            if article is None:
                content = services.article_create(
                    workspace=workspace, author=author, language=language, title=title, subtitle=subtitle,
                    body=body, collection=collection, section=section,
                )
                article = content.article
            else:
                content = services.article_draft_save(article=article, language=language, title=title,
                                                      subtitle=subtitle, body=body)
            services.article_publish(content=content)
    return len(ARTICLES)


def help_center_path(*, workspace: Workspace) -> str:
    help_center = HelpCenter.objects.for_workspace(workspace).first()
    if help_center is None:
        return ""
    return reverse("help_center:root", kwargs={"help_center_slug": help_center.slug})
