-- Monthly contributions by insurance type: records, contributions due (employer + employee) and the part in arrears.
SELECT
    period,
    insurance_type,
    count(*) AS records,
    sum(employer_amount + employee_amount) AS contributions,
    sum(CASE WHEN payment_status = 'arrears' THEN employer_amount + employee_amount ELSE 0 END) AS arrears
FROM {contributions}
GROUP BY period, insurance_type
ORDER BY period, insurance_type
