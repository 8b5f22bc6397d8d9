-- The five success factors of digital maturity in sales, as configured.
select factor, factor_name, weight from cfg.maturity_factors
