"""Domain facts the generator draws from: Brazilian regions, segments, products, merchants. Data, not code."""

from __future__ import annotations

# UF -> (share of population in %, main cities). Customers and merchants follow this regional skew.
UFS: dict[str, tuple[float, tuple[str, ...]]] = {
    "SP": (21.9, ("São Paulo", "Campinas", "Guarulhos", "Santos", "Ribeirão Preto")),
    "MG": (10.0, ("Belo Horizonte", "Uberlândia", "Contagem", "Juiz de Fora")),
    "RJ": (7.9, ("Rio de Janeiro", "Niterói", "Duque de Caxias", "Nova Iguaçu")),
    "BA": (6.9, ("Salvador", "Feira de Santana", "Vitória da Conquista")),
    "PR": (5.6, ("Curitiba", "Londrina", "Maringá")),
    "RS": (5.3, ("Porto Alegre", "Caxias do Sul", "Pelotas")),
    "PE": (4.5, ("Recife", "Jaboatão dos Guararapes", "Caruaru")),
    "CE": (4.3, ("Fortaleza", "Caucaia", "Juazeiro do Norte")),
    "PA": (4.0, ("Belém", "Ananindeua", "Santarém")),
    "SC": (3.7, ("Florianópolis", "Joinville", "Blumenau")),
    "GO": (3.5, ("Goiânia", "Aparecida de Goiânia", "Anápolis")),
    "MA": (3.3, ("São Luís", "Imperatriz")),
    "ES": (2.0, ("Vitória", "Vila Velha", "Serra")),
    "AM": (1.9, ("Manaus",)),
    "PB": (1.9, ("João Pessoa", "Campina Grande")),
    "MT": (1.8, ("Cuiabá", "Várzea Grande")),
    "RN": (1.6, ("Natal", "Mossoró")),
    "PI": (1.6, ("Teresina", "Parnaíba")),
    "AL": (1.5, ("Maceió", "Arapiraca")),
    "DF": (1.4, ("Brasília",)),
    "MS": (1.4, ("Campo Grande", "Dourados")),
    "SE": (1.1, ("Aracaju",)),
    "RO": (0.8, ("Porto Velho",)),
    "TO": (0.7, ("Palmas",)),
    "AC": (0.4, ("Rio Branco",)),
    "AP": (0.4, ("Macapá",)),
    "RR": (0.3, ("Boa Vista",)),
}

# income band -> (share, default-risk factor, per-transaction Pix limit range in BRL)
INCOME_BANDS: dict[str, tuple[float, float, tuple[int, int]]] = {
    "ate_2k": (35, 1.8, (500, 2_000)),
    "2k_5k": (33, 1.3, (1_000, 5_000)),
    "5k_10k": (18, 0.9, (3_000, 10_000)),
    "10k_20k": (9, 0.6, (5_000, 20_000)),
    "acima_20k": (5, 0.4, (10_000, 50_000)),
}

# education -> (share by income band index 0..4, default-risk factor)
EDUCATION: dict[str, tuple[tuple[float, ...], float]] = {
    "fundamental": ((30, 15, 5, 2, 1), 1.25),
    "medio": ((50, 50, 30, 15, 8), 1.05),
    "superior_incompleto": ((12, 15, 15, 10, 6), 1.0),
    "superior": ((7, 17, 40, 48, 45), 0.85),
    "pos_graduacao": ((1, 3, 10, 25, 40), 0.75),
}

OCCUPATIONS: dict[str, float] = {
    "assalariado_clt": 38,
    "servidor_publico": 10,
    "autonomo": 18,
    "empresario": 6,
    "aposentado": 12,
    "estudante": 6,
    "profissional_liberal": 5,
    "desempregado": 5,
}

# age band -> (share of customers, age range, default-risk factor)
AGE_BANDS: dict[str, tuple[float, tuple[int, int], float]] = {
    "18-24": (14, (18, 24), 1.6),
    "25-34": (24, (25, 34), 1.25),
    "35-44": (23, (35, 44), 1.0),
    "45-54": (17, (45, 54), 0.85),
    "55-64": (13, (55, 64), 0.75),
    "65+": (9, (65, 85), 0.9),
}

# product -> (share of applications, median amount, term range in months, monthly rate, base default prob.)
PRODUCTS: dict[str, tuple[float, float, tuple[int, int], float, float]] = {
    "personal": (30, 8_000, (12, 48), 0.045, 0.085),
    "consignado": (15, 15_000, (24, 84), 0.018, 0.025),
    "card_revolving": (20, 3_000, (12, 12), 0.140, 0.16),
    "overdraft": (15, 2_000, (6, 6), 0.080, 0.13),
    "vehicle": (12, 45_000, (24, 60), 0.022, 0.045),
    "mortgage": (8, 250_000, (120, 180), 0.009, 0.015),
}
DENIAL_REASONS = (
    "renda_insuficiente",
    "score_baixo",
    "restricao_cadastral",
    "endividamento_elevado",
    "documentacao_incompleta",
)

# external (bureau) credit type -> (share, median amount)
BUREAU_TYPES: dict[str, tuple[float, float]] = {
    "cartao_credito": (35, 4_000),
    "emprestimo_pessoal": (15, 9_000),
    "consignado": (10, 18_000),
    "financiamento_veiculo": (8, 50_000),
    "financiamento_imobiliario": (5, 280_000),
    "cheque_especial": (12, 2_500),
    "crediario": (10, 1_500),
    "outros": (5, 5_000),
}
INSTITUTIONS = (
    "Banco do Brasil",
    "Itaú Unibanco",
    "Bradesco",
    "Caixa Econômica Federal",
    "Santander",
    "Nubank",
    "Banco Inter",
    "C6 Bank",
    "BTG Pactual",
    "Sicoob",
    "Sicredi",
    "Banco Pan",
)
# ISPB codes of Pix participants receiving external transfers (ours is OWN_ISPB).
OWN_ISPB = "13140088"
OTHER_ISPBS = ("00000000", "60701190", "60746948", "00360305", "90400888", "18236120", "00416968", "31872495")

# merchant category -> (MCC, share of merchants, median ticket)
MERCHANT_CATEGORIES: dict[str, tuple[str, float, float]] = {
    "supermercado": ("5411", 14, 95),
    "restaurante": ("5812", 16, 70),
    "lanchonete": ("5814", 14, 32),
    "farmacia": ("5912", 9, 55),
    "posto_combustivel": ("5541", 7, 160),
    "vestuario": ("5651", 10, 140),
    "eletronicos": ("5732", 4, 650),
    "salao_beleza": ("7230", 8, 80),
    "conveniencia": ("5499", 10, 28),
    "saude": ("8062", 4, 220),
    "materiais_construcao": ("5211", 4, 310),
}
CARD_BRANDS = {
    "Visa": ("453211", "401178", "438935"),
    "Mastercard": ("516292", "545301", "522840"),
    "Elo": ("636368", "504175", "650485"),
    "Hipercard": ("606282",),
    "Amex": ("376411",),
}
CARD_DECLINES = ("saldo_insuficiente", "suspeita_fraude", "cvv_invalido", "cartao_vencido", "limite_excedido")
TERMINAL_MODELS = ("PAX A910", "Ingenico Move5000", "Gertec GPOS700", "Sunmi P2", "Verifone X990")

CONSENT_RECIPIENTS = (
    "Nubank",
    "Banco Inter",
    "Mercado Pago",
    "PicPay",
    "Itaú Unibanco",
    "Bradesco",
    "C6 Bank",
    "XP Investimentos",
    "Serasa",
    "Guiabolso",
)
CONSENT_PERMISSIONS = (
    "ACCOUNTS_READ",
    "ACCOUNTS_BALANCES_READ",
    "ACCOUNTS_TRANSACTIONS_READ",
    "CREDIT_CARDS_ACCOUNTS_READ",
    "LOANS_READ",
    "FINANCINGS_READ",
    "UNARRANGED_ACCOUNTS_OVERDRAFT_READ",
    "CUSTOMERS_PERSONAL_IDENTIFICATIONS_READ",
    "CUSTOMERS_PERSONAL_ADITTIONALINFO_READ",
)
EMAIL_DOMAINS = ("gmail.com", "hotmail.com", "outlook.com", "yahoo.com.br", "uol.com.br", "bol.com.br", "icloud.com")

# Activity by local hour (America/Sao_Paulo): Pix and cards peak late morning and early evening.
HOURLY_PIX = (
    1.2,
    0.7,
    0.4,
    0.3,
    0.3,
    0.6,
    1.5,
    3.0,
    4.8,
    5.8,
    6.4,
    6.6,
    6.8,
    6.2,
    5.9,
    5.8,
    5.9,
    6.2,
    6.6,
    6.3,
    5.4,
    4.2,
    3.0,
    2.0,
)
HOURLY_POS = (
    0.3,
    0.1,
    0.1,
    0.1,
    0.1,
    0.3,
    1.2,
    2.8,
    4.2,
    5.2,
    6.0,
    7.4,
    9.0,
    8.2,
    6.0,
    5.4,
    5.6,
    6.6,
    7.8,
    8.0,
    6.4,
    4.2,
    2.4,
    1.0,
)
WEEKDAY = (1.0, 0.97, 0.98, 1.0, 1.12, 1.05, 0.8)  # Monday .. Sunday
PAYDAYS = {5: 1.6, 6: 1.3, 20: 1.35, 30: 1.2, 1: 1.15}  # salary (5th), advance (20th), month end
