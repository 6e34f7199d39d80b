-- Acquiring (MariaDB database `acquiring`): merchants, their card machines (POS terminals) and the
-- card transactions those terminals capture. DATETIME columns hold UTC (the server runs at +00:00).

CREATE TABLE merchants (
    merchant_id  BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    cnpj         CHAR(14)     NOT NULL UNIQUE,
    legal_name   VARCHAR(200) NOT NULL,
    trade_name   VARCHAR(200) NOT NULL,
    mcc          CHAR(4)      NOT NULL,
    category     VARCHAR(60)  NOT NULL,
    city         VARCHAR(100) NOT NULL,
    uf           CHAR(2)      NOT NULL,
    created_at   DATETIME(6)  NOT NULL,
    status       ENUM('active', 'suspended', 'closed') NOT NULL,
    updated_at   DATETIME(6)  NOT NULL
) ENGINE = InnoDB;

CREATE TABLE terminals (
    terminal_id   BIGINT      NOT NULL AUTO_INCREMENT PRIMARY KEY,
    merchant_id   BIGINT      NOT NULL,
    serial_number CHAR(12)    NOT NULL UNIQUE,
    model         VARCHAR(40) NOT NULL,
    installed_at  DATETIME(6) NOT NULL,
    status        ENUM('active', 'inactive') NOT NULL,
    updated_at    DATETIME(6) NOT NULL,
    CONSTRAINT fk_terminal_merchant FOREIGN KEY (merchant_id) REFERENCES merchants (merchant_id)
) ENGINE = InnoDB;

CREATE TABLE pos_transactions (
    pos_tx_id          BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
    terminal_id        BIGINT        NOT NULL,
    merchant_id        BIGINT        NOT NULL,
    card_brand         VARCHAR(20)   NOT NULL,
    card_bin           CHAR(6)       NOT NULL,
    card_last4         CHAR(4)       NOT NULL,
    payment_type       ENUM('credit', 'debit') NOT NULL,
    installments       TINYINT       NOT NULL,
    entry_mode         ENUM('chip', 'contactless', 'magstripe', 'manual') NOT NULL,
    amount             DECIMAL(18, 2) NOT NULL,
    authorized_at      DATETIME(6)   NOT NULL,
    status             ENUM('approved', 'declined') NOT NULL,
    decline_reason     VARCHAR(60),
    authorization_code CHAR(6),
    KEY ix_pos_authorized_at (authorized_at),
    CONSTRAINT fk_pos_terminal FOREIGN KEY (terminal_id) REFERENCES terminals (terminal_id),
    CONSTRAINT fk_pos_merchant FOREIGN KEY (merchant_id) REFERENCES merchants (merchant_id)
) ENGINE = InnoDB;
